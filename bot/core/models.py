"""The domain records: polls, votes, tallies, digest subscriptions and runs; frozen and typed.

The core works in these; every store backend reads and writes them (see :mod:`bot.core.ports`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class ChannelRef(_Record):
    """A channel on one platform: (platform, workspace or guild, channel)."""

    platform: str
    workspace: str
    channel: str


class OptionRecord(_Record):
    key: str
    label: str


class NewPoll(_Record):
    """What is needed to create a poll; validated by the core before it gets here."""

    channel: ChannelRef
    creator_id: str
    question: str
    options: tuple[OptionRecord, ...]
    preset_id: str | None = None
    anonymous: bool = False
    max_choices: int = 1
    closes_at: datetime | None = None


class Poll(NewPoll):
    id: int
    created_at: datetime
    closed_at: datetime | None = None
    message_ref: str | None = None

    def is_open(self, now: datetime) -> bool:
        """Open until closed by hand or until its deadline passes."""
        return self.closed_at is None and (self.closes_at is None or now < self.closes_at)

    @property
    def multi(self) -> bool:
        return self.max_choices > 1


class Tally(_Record):
    """Votes per option key (every option present, zeros included) and distinct voters."""

    counts: dict[str, int]
    voters: int

    @property
    def total_votes(self) -> int:
        return sum(self.counts.values())


class VoteOutcome(StrEnum):
    RECORDED = "recorded"
    """A first vote (or, in a multi-choice poll, one more option chosen)."""
    CHANGED = "changed"
    """Single choice: the user's vote moved to another option."""
    UNCHANGED = "unchanged"
    """Single choice: the user voted again for the option already chosen."""
    REMOVED = "removed"
    """Multi-choice: the option was chosen already, so the vote for it was taken back."""
    LIMIT_REACHED = "limit_reached"
    CLOSED = "closed"
    UNKNOWN_POLL = "unknown_poll"
    UNKNOWN_OPTION = "unknown_option"


class Voter(_Record):
    user_id: str
    option_key: str


class PollSummary(_Record):
    id: int
    question: str
    platform: str
    workspace: str
    channel: str
    closed: bool
    total_votes: int
    created_at: datetime


class Subscription(_Record):
    """A channel's daily digest: a local time in an IANA zone."""

    channel: ChannelRef
    local_time: str
    time_zone: str
    created_by: str
    created_at: datetime
    paused_reason: str | None = None


class RunStatus(StrEnum):
    CLAIMED = "claimed"
    POSTED = "posted"
    FAILED = "failed"
    SKIPPED = "skipped"


class DigestRun(_Record):
    """One channel-day of a digest: claimed, then posted, failed (after retries) or skipped."""

    channel: ChannelRef
    local_date: date
    status: RunStatus
    attempts: int
    claimed_at: datetime | None = None
    finished_at: datetime | None = None
    message_ref: str | None = None
    last_error: str | None = None
    retry_at: datetime | None = None

    @property
    def is_retry(self) -> bool:
        """A later attempt: the earlier one may have posted, so look before posting again."""
        return self.attempts > 1


class PollSnapshot(_Record):
    """One moment of a poll, read in one transaction so its parts agree: what a redraw or an export shows.

    ``voters`` is empty for an anonymous poll and unless asked for.
    """

    poll: Poll
    tally: Tally
    voters: tuple[Voter, ...] = ()
