"""Poll, option and vote writes of the SQLite store; a vote is one round trip, and votes commit in groups."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.models import NewPoll, Poll, VoteOutcome
from bot.store.group_commit import GroupCommit
from bot.store.sqlite_base import Db, from_db, one, to_db, translated
from bot.store.sqlite_poll_reads import PollReads

INLINE_VOTES = 1000
"""Batches up to this size are written on the event loop when it can be (10–20 ms for the largest). Not on the
thread: under a burst the loop keeps the GIL busy, and a thread that gives it up at every SQLite statement
waits up to the 5 ms switch interval to get it back, each time; a batch of 1,000 votes took seconds there."""


@dataclass(frozen=True)
class Vote:
    poll_id: int
    user_id: str
    option_key: str
    now: datetime


class PollQueries(PollReads):
    def __init__(self, path: Path | str) -> None:
        super().__init__(path)
        self.votes: GroupCommit[Vote, VoteOutcome] = GroupCommit(self._write_votes, self._write_votes_now)

    async def create_poll(self, *, poll: NewPoll, now: datetime) -> Poll:
        poll_id = await self._write(lambda db: _insert_poll(db, poll, now))
        return Poll(**poll.model_dump(), id=poll_id, created_at=from_db(to_db(now)))

    async def set_poll_message(self, *, poll_id: int, message_ref: str) -> None:
        await self._write(
            lambda db: db.execute("UPDATE polls SET message_ref = ? WHERE id = ?", (message_ref, poll_id))
        )

    async def close_poll(self, *, poll_id: int, now: datetime) -> bool:
        cursor = await self._write(
            lambda db: db.execute(
                "UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (to_db(now), poll_id)
            )
        )
        return cursor.rowcount == 1

    async def cast_vote(self, *, poll_id: int, user_id: str, option_key: str, now: datetime) -> VoteOutcome:
        return await self.votes.submit(Vote(poll_id, user_id, option_key, now))

    def _write_votes_now(self, votes: Sequence[Vote]) -> list[VoteOutcome | Exception] | None:
        if len(votes) > INLINE_VOTES:
            return None
        if len(votes) == 1:  # alone, a failure is the transaction's and only this caller hears of it
            return self._try_write_now(lambda db: [_vote_or_error(db, votes[0])])
        return self._try_write_now(lambda db: [_vote_alone(db, vote) for vote in votes])

    async def _write_votes(self, votes: Sequence[Vote]) -> list[VoteOutcome | Exception]:
        return await self._write(lambda db: [_vote_alone(db, vote) for vote in votes])


def _insert_poll(db: Db, poll: NewPoll, now: datetime) -> int:
    cursor = db.execute(
        "INSERT INTO polls (platform, workspace, channel, creator_id, question, preset_id, anonymous,"
        " max_choices, created_at, closes_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            poll.channel.platform,
            poll.channel.workspace,
            poll.channel.channel,
            poll.creator_id,
            poll.question,
            poll.preset_id,
            int(poll.anonymous),
            poll.max_choices,
            to_db(now),
            to_db(poll.closes_at) if poll.closes_at else None,
        ),
    )
    poll_id = cursor.lastrowid
    assert poll_id is not None
    db.executemany(
        "INSERT INTO poll_options (poll_id, key, position, label) VALUES (?, ?, ?, ?)",
        [(poll_id, option.key, position, option.label) for position, option in enumerate(poll.options)],
    )
    return poll_id


def _vote_alone(db: Db, vote: Vote) -> VoteOutcome | Exception:
    """One vote of a batch: if it fails, only its caller hears why, and the batch goes on.

    No savepoint is needed: a vote writes with at most one statement (an upsert, or a delete or an
    insert), and a failed statement undoes itself. An error that ends the whole transaction (a full
    disk) is raised, so that every vote of the batch fails with it.
    """
    try:
        return _vote(db, vote)
    except sqlite3.Error as exc:
        if not db.in_transaction:
            raise
        return translated(exc) if isinstance(exc, sqlite3.OperationalError) else exc


def _vote_or_error(db: Db, vote: Vote) -> VoteOutcome | Exception:
    return _vote(db, vote)


_VOTE_STATE = (
    "SELECT p.max_choices, o.key IS NOT NULL,"
    " p.closed_at IS NULL AND (p.closes_at IS NULL OR p.closes_at > ?3),"
    " (SELECT v.option_key FROM votes v WHERE v.poll_id = p.id AND v.user_id = ?2 AND v.slot = '')"
    " FROM polls p LEFT JOIN poll_options o ON o.poll_id = p.id AND o.key = ?4 WHERE p.id = ?1"
)
"""The poll's rule, whether the option exists, whether the poll is open, and the user's single-choice vote.
Positional parameters (?1 poll, ?2 user, ?3 now, ?4 option) and columns: this runs for every vote."""


def _vote(db: Db, vote: Vote) -> VoteOutcome:
    params = (vote.poll_id, vote.user_id, to_db(vote.now), vote.option_key)
    state = one(db, _VOTE_STATE, params)
    if state is None:
        return VoteOutcome.UNKNOWN_POLL
    max_choices, known_option, is_open, before = state
    if not known_option:
        return VoteOutcome.UNKNOWN_OPTION
    if not is_open:
        return VoteOutcome.CLOSED
    if max_choices == 1:
        return _vote_single(db, params, before)
    return _vote_multi(db, params, max_choices)


def _vote_single(db: Db, params: tuple[int, str, str, str], before: str | None) -> VoteOutcome:
    if before == params[3]:
        return VoteOutcome.UNCHANGED
    db.execute(
        "INSERT INTO votes (poll_id, user_id, slot, option_key, cast_at) VALUES (?1, ?2, '', ?4, ?3)"
        " ON CONFLICT (poll_id, user_id, slot) DO UPDATE SET option_key = excluded.option_key,"
        " cast_at = excluded.cast_at",
        params,
    )
    return VoteOutcome.RECORDED if before is None else VoteOutcome.CHANGED


def _vote_multi(db: Db, params: tuple[int, str, str, str], limit: int) -> VoteOutcome:
    removed = db.execute("DELETE FROM votes WHERE poll_id = ?1 AND user_id = ?2 AND slot = ?4", params)
    if removed.rowcount == 1:
        return VoteOutcome.REMOVED
    added = db.execute(
        "INSERT INTO votes (poll_id, user_id, slot, option_key, cast_at) SELECT ?1, ?2, ?4, ?4, ?3"
        " WHERE (SELECT count(*) FROM votes WHERE poll_id = ?1 AND user_id = ?2) < ?5",
        (*params, limit),
    )
    return VoteOutcome.RECORDED if added.rowcount == 1 else VoteOutcome.LIMIT_REACHED


__all__ = ["PollQueries", "Vote"]
