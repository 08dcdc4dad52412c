"""Poll and vote writes of the PostgreSQL store. A vote is one statement, safe with any number of processes.

:data:`VOTE` does the whole vote: it checks that the poll exists, that the option is one of its own and
that the poll is open at ``now``, applies the single- or multi-choice rule within ``max_choices``, and
returns the :class:`~bot.core.models.VoteOutcome`. Why it stays right when votes race:

- **Single choice**: the primary key ``(poll_id, user_id, slot = '')`` allows one row per voter, and the
  upsert (``ON CONFLICT … DO UPDATE … WHERE``) judges the conflicting row as it is *now*, not as the
  statement's snapshot saw it: of two concurrent votes by one user the second waits for the first, then
  moves the vote or leaves it (``UNCHANGED``). Inserted and updated rows are told apart by ``xmax = 0``
  (a row this statement inserted has no deleting or locking transaction yet).
- **Closing**: the statement locks the poll row ``FOR SHARE``. ``close_poll`` updates it, so a vote waits for
  a close in progress and then re-reads the row (PostgreSQL re-checks a locked row's latest version in
  ``READ COMMITTED``): once a close has committed no vote lands, and a close waits for the votes in flight.
- **Multi-choice**: "fewer than ``max_choices`` rows" is read from the statement's snapshot, which a
  concurrent toggle by the same user could make stale (both would see one choice and add a second and a
  third). So a multi-choice vote first takes a transaction-level advisory lock on (poll, user), then runs
  :data:`VOTE`, whose snapshot, taken after the lock, sees every earlier toggle of that user: toggles by
  one user queue, other users do not wait. That is two statements in one transaction, for multi-choice
  polls only; a single-choice vote stays one statement in one round trip.

Whether a poll is multi-choice never changes, so the store remembers it per poll id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.models import NewPoll, Poll, VoteOutcome
from bot.store.postgres_base import aware
from bot.store.postgres_poll_reads import PollReads

REMEMBERED_POLLS = 10_000
"""Polls whose ``max_choices`` is kept in memory (the oldest is forgotten first)."""

_CREATE = (
    "WITH poll AS ("
    " INSERT INTO polls (platform, workspace, channel, creator_id, question, preset_id, anonymous, max_choices,"
    " created_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id),"
    " options AS (INSERT INTO poll_options (poll_id, key, position, label)"
    " SELECT poll.id, o.key, o.n - 1, o.label FROM poll, unnest($11::text[], $12::text[]) WITH ORDINALITY"
    " AS o(key, label, n))"
    " SELECT id FROM poll"
)

_LOCK_VOTER = "SELECT pg_advisory_xact_lock(hashtextextended($1::bigint::text || '/' || $2::text, 0))"

VOTE = """
WITH poll AS (
    SELECT p.id, p.max_choices,
           p.closed_at IS NULL AND (p.closes_at IS NULL OR p.closes_at > $4::timestamptz) AS is_open,
           EXISTS (SELECT FROM poll_options o WHERE o.poll_id = p.id AND o.key = $3::text) AS known
    FROM polls p WHERE p.id = $1::bigint
    FOR SHARE
),
ok AS (SELECT id, max_choices FROM poll WHERE known AND is_open),
single AS (
    INSERT INTO votes AS v (poll_id, user_id, slot, option_key, cast_at)
    SELECT id, $2::text, '', $3::text, $4::timestamptz FROM ok WHERE max_choices = 1
    ON CONFLICT (poll_id, user_id, slot) DO UPDATE SET option_key = EXCLUDED.option_key, cast_at = EXCLUDED.cast_at
        WHERE v.option_key <> EXCLUDED.option_key
    RETURNING v.xmax = 0 AS inserted
),
removed AS (
    DELETE FROM votes v USING ok
    WHERE ok.max_choices > 1 AND v.poll_id = ok.id AND v.user_id = $2::text AND v.slot = $3::text
    RETURNING 1
),
added AS (
    INSERT INTO votes (poll_id, user_id, slot, option_key, cast_at)
    SELECT id, $2::text, $3::text, $3::text, $4::timestamptz FROM ok
    WHERE max_choices > 1
      AND NOT EXISTS (SELECT FROM votes v WHERE v.poll_id = ok.id AND v.user_id = $2::text AND v.slot = $3::text)
      AND (SELECT count(*) FROM votes v WHERE v.poll_id = ok.id AND v.user_id = $2::text) < ok.max_choices
    ON CONFLICT (poll_id, user_id, slot) DO NOTHING
    RETURNING 1
)
SELECT CASE
    WHEN NOT EXISTS (SELECT FROM poll) THEN 'unknown_poll'
    WHEN NOT (SELECT known FROM poll) THEN 'unknown_option'
    WHEN NOT (SELECT is_open FROM poll) THEN 'closed'
    WHEN EXISTS (SELECT FROM single WHERE inserted) THEN 'recorded'
    WHEN EXISTS (SELECT FROM single) THEN 'changed'
    WHEN (SELECT max_choices FROM poll) = 1 THEN 'unchanged'
    WHEN EXISTS (SELECT FROM removed) THEN 'removed'
    WHEN EXISTS (SELECT FROM added) THEN 'recorded'
    ELSE 'limit_reached'
END
"""
"""Parameters: $1 poll id, $2 user id, $3 option key, $4 now. One row, one column: the outcome's value."""


class PollQueries(PollReads):
    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10, upgrade: bool = False) -> None:
        super().__init__(url, min_size=min_size, max_size=max_size, upgrade=upgrade)
        self._max_choices: dict[int, int] = {}

    async def create_poll(self, *, poll: NewPoll, now: datetime) -> Poll:
        closes_at = None if poll.closes_at is None else aware(poll.closes_at)
        poll_id: int = await self._fetchval(
            _CREATE,
            poll.channel.platform,
            poll.channel.workspace,
            poll.channel.channel,
            poll.creator_id,
            poll.question,
            poll.preset_id,
            poll.anonymous,
            poll.max_choices,
            aware(now),
            closes_at,
            [option.key for option in poll.options],
            [option.label for option in poll.options],
        )
        self._remember(poll_id, poll.max_choices)
        return Poll(**poll.model_dump(), id=poll_id, created_at=now.astimezone(UTC))

    async def set_poll_message(self, *, poll_id: int, message_ref: str) -> None:
        await self._execute("UPDATE polls SET message_ref = $2 WHERE id = $1", poll_id, message_ref)

    async def close_poll(self, *, poll_id: int, now: datetime) -> bool:
        """``True`` for exactly one caller, whichever process: a second ``UPDATE`` waits for the first, then
        re-checks ``closed_at IS NULL`` on the row the first one wrote."""
        closed = await self._execute(
            "UPDATE polls SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL", poll_id, aware(now)
        )
        return closed == 1

    async def cast_vote(self, *, poll_id: int, user_id: str, option_key: str, now: datetime) -> VoteOutcome:
        now = aware(now)
        max_choices = await self._poll_max_choices(poll_id)
        if max_choices is None:
            return VoteOutcome.UNKNOWN_POLL
        async with self._connection() as conn:
            if max_choices == 1:
                outcome = await conn.fetchval(VOTE, poll_id, user_id, option_key, now)
            else:
                async with conn.transaction():
                    await conn.execute(_LOCK_VOTER, poll_id, user_id)
                    outcome = await conn.fetchval(VOTE, poll_id, user_id, option_key, now)
        return VoteOutcome(outcome)

    async def _poll_max_choices(self, poll_id: int) -> int | None:
        """The poll's ``max_choices`` (remembered: it never changes), or ``None`` if there is no such poll."""
        known = self._max_choices.get(poll_id)
        if known is None:
            known = await self._fetchval("SELECT max_choices FROM polls WHERE id = $1", poll_id)
            if known is not None:
                self._remember(poll_id, known)
        return known

    def _remember(self, poll_id: int, max_choices: int) -> None:
        if len(self._max_choices) >= REMEMBERED_POLLS:
            del self._max_choices[next(iter(self._max_choices))]
        self._max_choices[poll_id] = max_choices


__all__ = ["VOTE", "PollQueries"]
