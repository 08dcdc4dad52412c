"""The in-memory backend of :class:`~bot.core.ports.Store`: every port in plain dicts, no I/O.

For tests, for the console, and for trying the bot without a disk. It behaves like
:class:`~bot.store.sqlite.SQLiteStore` (the contract suites in ``tests/store/`` run on both) but
keeps nothing across restarts: the data lives as long as the object.

Every method runs to its end without awaiting, so each call is atomic on the event loop: coroutines
that call the store together see each other's writes whole or not at all. Instants are kept in UTC,
as SQLite returns them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

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
from bot.core.ports import Store, StoreError
from bot.store.sqlite_digests import _next_quote

_ERROR_LENGTH = 500
"""Longest error text a digest run keeps, as in SQLite."""


def _utc(moment: datetime) -> datetime:
    """An aware instant in UTC; naive ones are refused as SQLite refuses them."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the store only takes timezone-aware instants")
    return moment.astimezone(UTC)


@dataclass
class _PollEntry:
    poll: Poll
    positions: dict[str, int]
    """Option key -> its position in the poll."""
    choices: dict[str, set[str]] = field(default_factory=dict)
    """User id -> the option keys they have (never empty: a user with no choice left is removed)."""

    def tally(self) -> Tally:
        counts = dict.fromkeys(self.positions, 0)
        for keys in self.choices.values():
            for key in keys:
                counts[key] += 1
        return Tally(counts=counts, voters=len(self.choices))

    def in_order(self, keys: set[str]) -> list[str]:
        return sorted(keys, key=self.positions.__getitem__)

    def voters(self) -> list[Voter]:
        return [
            Voter(user_id=user_id, option_key=key)
            for user_id in sorted(self.choices)
            for key in self.in_order(self.choices[user_id])
        ]

    def vote(self, user_id: str, option_key: str, now: datetime) -> VoteOutcome:
        if option_key not in self.positions:
            return VoteOutcome.UNKNOWN_OPTION
        if not self.poll.is_open(now):
            return VoteOutcome.CLOSED
        before = self.choices.get(user_id)
        if not self.poll.multi:
            if before == {option_key}:
                return VoteOutcome.UNCHANGED
            self.choices[user_id] = {option_key}
            return VoteOutcome.RECORDED if before is None else VoteOutcome.CHANGED
        if before is not None and option_key in before:
            before.remove(option_key)
            if not before:
                del self.choices[user_id]
            return VoteOutcome.REMOVED
        if before is None:
            self.choices[user_id] = {option_key}
        elif len(before) < self.poll.max_choices:
            before.add(option_key)
        else:
            return VoteOutcome.LIMIT_REACHED
        return VoteOutcome.RECORDED


@dataclass
class _Quote:
    seq: int
    claim_id: str


class MemoryStore(Store):
    """Polls, votes, digests and platform state in dicts, for as long as the object lives."""

    def __init__(self) -> None:
        self._open = False
        self._polls: dict[int, _PollEntry] = {}
        self._last_poll_id = 0
        self._subscriptions: dict[ChannelRef, Subscription] = {}
        self._runs: dict[tuple[ChannelRef, date], DigestRun] = {}
        self._quotes: dict[ChannelRef, dict[date, _Quote]] = {}
        self._meta: dict[str, str] = {}
        self._events: dict[tuple[str, str], datetime] = {}

    async def open(self) -> None:
        self._open = True

    async def close(self) -> None:
        """Refuse further use; the data stays, as a closed SQLite file keeps it, until the object goes."""
        self._open = False

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError("the store is not open")

    # Polls ---------------------------------------------------------------------------------------

    async def create_poll(self, *, poll: NewPoll, now: datetime) -> Poll:
        self._check_open()
        if len({option.key for option in poll.options}) != len(poll.options):
            raise ValueError("a poll's option keys must differ (SQLite's primary key refuses them too)")
        created_at = _utc(now)
        closes_at = None if poll.closes_at is None else _utc(poll.closes_at)
        self._last_poll_id += 1
        created = Poll(**poll.model_dump(), id=self._last_poll_id, created_at=created_at)
        self._polls[created.id] = _PollEntry(
            poll=created.model_copy(update={"closes_at": closes_at}),
            positions={option.key: position for position, option in enumerate(poll.options)},
        )
        return created

    async def get_poll(self, *, poll_id: int) -> Poll | None:
        self._check_open()
        entry = self._polls.get(poll_id)
        return None if entry is None else entry.poll

    async def poll_snapshot(self, *, poll_id: int, with_voters: bool = False) -> PollSnapshot | None:
        self._check_open()
        entry = self._polls.get(poll_id)
        if entry is None:
            return None
        voters = tuple(entry.voters()) if with_voters and not entry.poll.anonymous else ()
        return PollSnapshot(poll=entry.poll, tally=entry.tally(), voters=voters)

    async def set_poll_message(self, *, poll_id: int, message_ref: str) -> None:
        self._check_open()
        entry = self._polls.get(poll_id)
        if entry is not None:
            entry.poll = entry.poll.model_copy(update={"message_ref": message_ref})

    async def cast_vote(self, *, poll_id: int, user_id: str, option_key: str, now: datetime) -> VoteOutcome:
        self._check_open()
        moment = _utc(now)
        entry = self._polls.get(poll_id)
        return VoteOutcome.UNKNOWN_POLL if entry is None else entry.vote(user_id, option_key, moment)

    async def close_poll(self, *, poll_id: int, now: datetime) -> bool:
        self._check_open()
        moment = _utc(now)
        entry = self._polls.get(poll_id)
        if entry is None or entry.poll.closed_at is not None:
            return False
        entry.poll = entry.poll.model_copy(update={"closed_at": moment})
        return True

    async def tally(self, *, poll_id: int) -> Tally:
        self._check_open()
        entry = self._polls.get(poll_id)
        return Tally(counts={}, voters=0) if entry is None else entry.tally()

    async def user_choices(self, *, poll_id: int, user_id: str) -> list[str]:
        self._check_open()
        entry = self._polls.get(poll_id)
        return [] if entry is None else entry.in_order(entry.choices.get(user_id, set()))

    async def voters(self, *, poll_id: int) -> list[Voter]:
        self._check_open()
        entry = self._polls.get(poll_id)
        return [] if entry is None else entry.voters()

    async def list_polls(
        self, *, channel: ChannelRef | None = None, open_at: datetime | None = None
    ) -> list[PollSummary]:
        self._check_open()
        moment = datetime.now(UTC) if open_at is None else _utc(open_at)
        listed = [
            entry
            for entry in reversed(self._polls.values())
            if (channel is None or entry.poll.channel == channel) and (open_at is None or entry.poll.is_open(moment))
        ]
        return [
            PollSummary(
                id=entry.poll.id,
                question=entry.poll.question,
                platform=entry.poll.channel.platform,
                workspace=entry.poll.channel.workspace,
                channel=entry.poll.channel.channel,
                closed=not entry.poll.is_open(moment),
                total_votes=sum(len(keys) for keys in entry.choices.values()),
                created_at=entry.poll.created_at,
            )
            for entry in listed
        ]

    async def due_polls(self, *, now: datetime) -> list[Poll]:
        self._check_open()
        moment = _utc(now)
        due = [(deadline, poll) for poll, deadline in self._deadlines() if deadline <= moment]
        return [poll for _, poll in sorted(due, key=lambda item: (item[0], item[1].id))]

    async def next_poll_deadline(self) -> datetime | None:
        self._check_open()
        return min((deadline for _, deadline in self._deadlines()), default=None)

    def _deadlines(self) -> list[tuple[Poll, datetime]]:
        """Polls not yet closed that have a deadline, with it."""
        return [
            (entry.poll, entry.poll.closes_at)
            for entry in self._polls.values()
            if entry.poll.closed_at is None and entry.poll.closes_at is not None
        ]

    # Digests -------------------------------------------------------------------------------------

    async def subscribe_digest(
        self, *, channel: ChannelRef, local_time: str, time_zone: str, user_id: str, now: datetime
    ) -> Subscription:
        self._check_open()
        subscription = Subscription(
            channel=channel, local_time=local_time, time_zone=time_zone, created_by=user_id, created_at=_utc(now)
        )
        self._subscriptions[channel] = subscription
        return subscription

    async def unsubscribe_digest(self, *, channel: ChannelRef) -> bool:
        self._check_open()
        return self._subscriptions.pop(channel, None) is not None

    async def get_subscription(self, *, channel: ChannelRef) -> Subscription | None:
        self._check_open()
        return self._subscriptions.get(channel)

    async def list_subscriptions(self) -> list[Subscription]:
        self._check_open()
        return sorted(
            self._subscriptions.values(), key=lambda s: (s.channel.platform, s.channel.workspace, s.channel.channel)
        )

    async def pause_subscription(self, *, channel: ChannelRef, reason: str) -> None:
        self._check_open()
        subscription = self._subscriptions.get(channel)
        if subscription is not None:
            self._subscriptions[channel] = subscription.model_copy(update={"paused_reason": reason})

    async def claim_digest_run(
        self, *, channel: ChannelRef, local_date: date, now: datetime, lease: timedelta
    ) -> DigestRun | None:
        self._check_open()
        moment = _utc(now)
        run = self._runs.get((channel, local_date))
        if run is None:
            claimed = DigestRun(
                channel=channel, local_date=local_date, status=RunStatus.CLAIMED, attempts=1, claimed_at=moment
            )
        elif run.status == RunStatus.CLAIMED and (
            (run.retry_at is not None and run.retry_at <= moment)
            or (run.retry_at is None and run.claimed_at is not None and run.claimed_at <= moment - lease)
        ):
            claimed = run.model_copy(update={"attempts": run.attempts + 1, "claimed_at": moment, "retry_at": None})
        else:
            return None
        self._runs[channel, local_date] = claimed
        return claimed

    async def retry_digest_run(self, *, channel: ChannelRef, local_date: date, error: str, retry_at: datetime) -> None:
        self._check_open()
        retry_at = _utc(retry_at)
        run = self._runs.get((channel, local_date))
        if run is not None and run.status == RunStatus.CLAIMED:
            self._runs[channel, local_date] = run.model_copy(
                update={"last_error": error[:_ERROR_LENGTH], "retry_at": retry_at}
            )

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
        self._check_open()
        moment = _utc(now)
        last_error = error[:_ERROR_LENGTH] if error else None
        run = self._runs.get((channel, local_date)) or DigestRun(
            channel=channel, local_date=local_date, status=status, attempts=0
        )
        self._runs[channel, local_date] = run.model_copy(
            update={
                "status": status,
                "finished_at": moment,
                "message_ref": run.message_ref if message_ref is None else message_ref,
                "last_error": run.last_error if last_error is None else last_error,
                "retry_at": None,
            }
        )

    async def last_digest_run(self, *, channel: ChannelRef) -> DigestRun | None:
        self._check_open()
        runs = [run for (ran_in, _), run in self._runs.items() if ran_in == channel]
        return max(runs, key=lambda run: run.local_date, default=None)

    async def quote_of_the_day(self, *, channel: ChannelRef, local_date: date, claim_ids: Sequence[str]) -> str:
        if not claim_ids:
            raise ValueError("no claims to choose from")
        self._check_open()
        quotes = self._quotes.setdefault(channel, {})
        today = quotes.get(local_date)
        if today is not None and today.claim_id in claim_ids:
            return today.claim_id
        history = [quote.claim_id for quote in sorted(quotes.values(), key=lambda quote: quote.seq)]
        pick = _next_quote(history, claim_ids, seed="/".join(channel.model_dump().values()))
        if today is None:
            quotes[local_date] = _Quote(seq=max((quote.seq for quote in quotes.values()), default=0) + 1, claim_id=pick)
        else:  # today's claim was removed: replace it, in its place in the rotation
            today.claim_id = pick
        return pick

    # Platform state ------------------------------------------------------------------------------

    async def get_meta(self, *, key: str) -> str | None:
        self._check_open()
        return self._meta.get(key)

    async def set_meta(self, *, key: str, value: str) -> None:
        self._check_open()
        self._meta[key] = value

    async def claim_event(self, *, platform: str, event_id: str, now: datetime) -> bool:
        self._check_open()
        moment = _utc(now)
        if (platform, event_id) in self._events:
            return False
        self._events[platform, event_id] = moment
        return True

    async def prune_events(self, *, before: datetime) -> int:
        self._check_open()
        moment = _utc(before)
        old = [event for event, seen_at in self._events.items() if seen_at < moment]
        for event in old:
            del self._events[event]
        return len(old)
