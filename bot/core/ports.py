"""The storage ports: what the core needs from a database, split by concern, and nothing more.

- :class:`PollStore`: polls and votes (the hot path: one vote is one call);
- :class:`DigestStore`: digest subscriptions, runs and the quote rotation;
- :class:`PlatformState`: what adapters keep between runs (event de-duplication, meta values).

:class:`Store` is all three plus a lifecycle. Every backend (SQLite, PostgreSQL, in memory) passes the
contract suites in ``tests/store/``, one per port.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.core.models import (
    ChannelRef,
    DigestRun,
    NewPoll,
    Poll,
    PollSnapshot,
    PollSummary,
    RunStatus,
    Subscription,
    Tally,
    VoteOutcome,
    Voter,
)


class StoreError(Exception):
    """The database cannot be used (for example it is newer than this code)."""


class StoreBusy(StoreError):
    """Another writer held the database longer than the busy timeout: nothing was written; try again."""


class StoreFull(StoreError):
    """The disk (or the database's size limit) is full: nothing was written."""


class PollStore(ABC):
    """Polls and votes."""

    @abstractmethod
    async def create_poll(self, *, poll: NewPoll, now: datetime) -> Poll:
        """Store a new poll with its options, all or nothing."""

    @abstractmethod
    async def get_poll(self, *, poll_id: int) -> Poll | None: ...

    @abstractmethod
    async def poll_snapshot(self, *, poll_id: int, with_voters: bool = False) -> PollSnapshot | None:
        """The poll, its tally and (``with_voters``, unless it is anonymous) its voters, read so they agree."""

    @abstractmethod
    async def set_poll_message(self, *, poll_id: int, message_ref: str) -> None:
        """Remember which platform message shows the poll, so it can be updated later."""

    @abstractmethod
    async def cast_vote(self, *, poll_id: int, user_id: str, option_key: str, now: datetime) -> VoteOutcome:
        """Record a vote atomically, in one round trip to the database (votes that arrive together may share
        a transaction; the call returns only after the one holding this vote has committed).

        Single choice: one row per (poll, user); a vote for another option moves it.
        Multi-choice: a vote toggles the option, within the poll's ``max_choices``.
        A poll that is closed, or past its deadline at ``now``, refuses the vote.
        """

    @abstractmethod
    async def close_poll(self, *, poll_id: int, now: datetime) -> bool:
        """Close the poll; ``True`` if this call closed it, ``False`` if it was closed already."""

    @abstractmethod
    async def tally(self, *, poll_id: int) -> Tally: ...

    @abstractmethod
    async def user_choices(self, *, poll_id: int, user_id: str) -> list[str]:
        """The option keys ``user_id`` currently has in the poll."""

    @abstractmethod
    async def voters(self, *, poll_id: int) -> list[Voter]:
        """Who voted for what (callers must not use this for anonymous polls)."""

    @abstractmethod
    async def list_polls(
        self, *, channel: ChannelRef | None = None, open_at: datetime | None = None
    ) -> list[PollSummary]:
        """Polls newest first; only one channel's with ``channel``, only those open at ``open_at`` with it."""

    @abstractmethod
    async def due_polls(self, *, now: datetime) -> list[Poll]:
        """Open polls whose deadline is at or before ``now`` (not yet closed by anyone)."""

    @abstractmethod
    async def next_poll_deadline(self) -> datetime | None:
        """The earliest deadline among polls not yet closed."""


class PlatformState(ABC):
    """What adapters keep between runs: event ids already answered, and small values such as a sync hash."""

    @abstractmethod
    async def get_meta(self, *, key: str) -> str | None:
        """A value an adapter keeps between runs (for example the last command-sync hash)."""

    @abstractmethod
    async def set_meta(self, *, key: str, value: str) -> None: ...

    @abstractmethod
    async def claim_event(self, *, platform: str, event_id: str, now: datetime) -> bool:
        """``True`` the first time ``event_id`` is seen on ``platform``, ``False`` for every retry after."""

    @abstractmethod
    async def prune_events(self, *, before: datetime) -> int:
        """Forget events seen before ``before``; return how many."""


class DigestStore(ABC):
    """Daily digests: subscriptions, one run per channel-day, and which quote each day showed."""

    @abstractmethod
    async def subscribe_digest(
        self, *, channel: ChannelRef, local_time: str, time_zone: str, user_id: str, now: datetime
    ) -> Subscription:
        """Create or replace the channel's subscription."""

    @abstractmethod
    async def unsubscribe_digest(self, *, channel: ChannelRef) -> bool:
        """``True`` if a subscription was removed."""

    @abstractmethod
    async def get_subscription(self, *, channel: ChannelRef) -> Subscription | None: ...

    @abstractmethod
    async def list_subscriptions(self) -> list[Subscription]:
        """Every digest subscription, paused ones included."""

    @abstractmethod
    async def pause_subscription(self, *, channel: ChannelRef, reason: str) -> None:
        """Stop scheduling the channel's digest until it is subscribed again; ``reason`` is shown by status."""

    @abstractmethod
    async def claim_digest_run(
        self, *, channel: ChannelRef, local_date: date, now: datetime, lease: timedelta
    ) -> DigestRun | None:
        """Claim the channel-day's run before posting it, atomically.

        Returns the run (``attempts`` counts this attempt) when this caller may post it: a new
        run, one whose retry time has come, or one whose claimant has been silent longer than
        ``lease`` (it may have died before or after posting). ``None`` when it is finished or
        held by someone else.
        """

    @abstractmethod
    async def retry_digest_run(self, *, channel: ChannelRef, local_date: date, error: str, retry_at: datetime) -> None:
        """Give the claim back after a failed attempt, to be claimed again from ``retry_at``."""

    @abstractmethod
    async def finish_digest_run(
        self,
        *,
        channel: ChannelRef,
        local_date: date,
        status: RunStatus,
        now: datetime,
        message_ref: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record the run's outcome (posted, failed or skipped), creating the row if needed."""

    @abstractmethod
    async def last_digest_run(self, *, channel: ChannelRef) -> DigestRun | None:
        """The channel's most recent run by local date."""

    @abstractmethod
    async def quote_of_the_day(self, *, channel: ChannelRef, local_date: date, claim_ids: Sequence[str]) -> str:
        """The claim id for the channel's digest on ``local_date``, chosen once and then kept.

        No claim repeats in a channel until every claim in ``claim_ids`` has been used.
        """


class Store(PollStore, DigestStore, PlatformState):
    """Every port in one backend, with its lifecycle."""

    @abstractmethod
    async def open(self) -> None:
        """Connect and check the schema: SQLite brings its file up to date, PostgreSQL refuses a schema that is
        behind (``debatebot db upgrade`` migrates it); both refuse one newer than the code (:mod:`bot.store.schema`).
        """

    @abstractmethod
    async def close(self) -> None:
        """Release the connection; safe to call twice."""
