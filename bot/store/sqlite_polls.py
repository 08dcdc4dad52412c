"""Poll, option and vote queries of the SQLite store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.store.records import (
    NewPoll,
    Poll,
    VoteOutcome,
)
from bot.store.sqlite_base import _OPEN, from_db, to_db
from bot.store.sqlite_poll_reads import PollReads, PollSnapshot

__all__ = ["PollQueries", "PollSnapshot"]


class PollQueries(PollReads):
    async def create_poll(self, *, poll: NewPoll, now: datetime) -> Poll:
        async with self._write() as db:
            cursor = await db.execute(
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
            await db.executemany(
                "INSERT INTO poll_options (poll_id, key, position, label) VALUES (?, ?, ?, ?)",
                [(poll_id, option.key, position, option.label) for position, option in enumerate(poll.options)],
            )
        return Poll(**poll.model_dump(), id=poll_id, created_at=from_db(to_db(now)))

    async def set_poll_message(self, *, poll_id: int, message_ref: str) -> None:
        async with self._write() as db:
            await db.execute("UPDATE polls SET message_ref = ? WHERE id = ?", (message_ref, poll_id))

    async def cast_vote(self, *, poll_id: int, user_id: str, option_key: str, now: datetime) -> VoteOutcome:
        params = {"poll": poll_id, "user": user_id, "option": option_key, "now": to_db(now)}
        async with self._write() as db:
            state = await self._one(
                db,
                "SELECT p.max_choices, o.key IS NOT NULL AS known_option,"
                " p.closed_at IS NULL AND (p.closes_at IS NULL OR p.closes_at > :now) AS open,"
                " (SELECT v.option_key FROM votes v WHERE v.poll_id = p.id AND v.user_id = :user AND v.slot = '')"
                " AS before FROM polls p LEFT JOIN poll_options o ON o.poll_id = p.id AND o.key = :option"
                " WHERE p.id = :poll",
                params,
            )
            if state is None:
                return VoteOutcome.UNKNOWN_POLL
            if not state["known_option"]:
                return VoteOutcome.UNKNOWN_OPTION
            if not state["open"]:
                return VoteOutcome.CLOSED
            if state["max_choices"] == 1:
                return await self._vote_single(db, params, state["before"])
            return await self._vote_multi(db, params, state["max_choices"])

    async def _vote_single(self, db: aiosqlite.Connection, params: dict[str, Any], before: str | None) -> VoteOutcome:
        cursor = await db.execute(
            "INSERT INTO votes (poll_id, user_id, slot, option_key, cast_at)"
            f" SELECT :poll, :user, '', :option, :now WHERE {_OPEN}"
            " ON CONFLICT (poll_id, user_id, slot) DO UPDATE"
            f" SET option_key = excluded.option_key, cast_at = excluded.cast_at"
            f" WHERE votes.option_key <> excluded.option_key AND {_OPEN}",
            params,
        )
        if before is None:
            return VoteOutcome.RECORDED if cursor.rowcount == 1 else VoteOutcome.CLOSED
        if before == params["option"]:
            return VoteOutcome.UNCHANGED
        return VoteOutcome.CHANGED if cursor.rowcount == 1 else VoteOutcome.CLOSED

    async def _vote_multi(self, db: aiosqlite.Connection, params: dict[str, Any], limit: int) -> VoteOutcome:
        removed = await db.execute(
            f"DELETE FROM votes WHERE poll_id = :poll AND user_id = :user AND slot = :option AND {_OPEN}", params
        )
        if removed.rowcount == 1:
            return VoteOutcome.REMOVED
        added = await db.execute(
            "INSERT INTO votes (poll_id, user_id, slot, option_key, cast_at)"
            f" SELECT :poll, :user, :option, :option, :now WHERE {_OPEN}"
            " AND (SELECT count(*) FROM votes WHERE poll_id = :poll AND user_id = :user) < :limit"
            " ON CONFLICT (poll_id, user_id, slot) DO NOTHING",
            {**params, "limit": limit},
        )
        return VoteOutcome.RECORDED if added.rowcount == 1 else VoteOutcome.LIMIT_REACHED

    async def close_poll(self, *, poll_id: int, now: datetime) -> bool:
        async with self._write() as db:
            cursor = await db.execute(
                "UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (to_db(now), poll_id)
            )
            return cursor.rowcount == 1
