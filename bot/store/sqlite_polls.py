"""Poll, option and vote queries of the SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.store.records import (
    ChannelRef,
    NewPoll,
    OptionRecord,
    Poll,
    PollSummary,
    Tally,
    VoteOutcome,
    Voter,
)
from bot.store.sqlite_base import _OPEN, SQLiteBase, from_db, to_db


class PollQueries(SQLiteBase):
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

    async def get_poll(self, *, poll_id: int) -> Poll | None:
        async with self._read() as db:
            row = await self._one(db, "SELECT * FROM polls WHERE id = ?", (poll_id,))
            if row is None:
                return None
            options = await self._all(
                db, "SELECT key, label FROM poll_options WHERE poll_id = ? ORDER BY position", (poll_id,)
            )
        return Poll(
            id=row["id"],
            channel=ChannelRef(platform=row["platform"], workspace=row["workspace"], channel=row["channel"]),
            creator_id=row["creator_id"],
            question=row["question"],
            options=tuple(OptionRecord(key=o["key"], label=o["label"]) for o in options),
            preset_id=row["preset_id"],
            anonymous=bool(row["anonymous"]),
            max_choices=row["max_choices"],
            created_at=from_db(row["created_at"]),
            closes_at=from_db(row["closes_at"]),
            closed_at=from_db(row["closed_at"]),
            message_ref=row["message_ref"],
        )

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

    async def tally(self, *, poll_id: int) -> Tally:
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT o.key, count(v.user_id) AS votes FROM poll_options o"
                " LEFT JOIN votes v ON v.poll_id = o.poll_id AND v.option_key = o.key"
                " WHERE o.poll_id = ? GROUP BY o.key ORDER BY o.position",
                (poll_id,),
            )
            voters = await self._one(db, "SELECT count(DISTINCT user_id) FROM votes WHERE poll_id = ?", (poll_id,))
        return Tally(counts={row["key"]: row["votes"] for row in rows}, voters=voters[0] if voters else 0)

    async def user_choices(self, *, poll_id: int, user_id: str) -> list[str]:
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT v.option_key FROM votes v JOIN poll_options o ON o.poll_id = v.poll_id AND o.key = v.option_key"
                " WHERE v.poll_id = ? AND v.user_id = ? ORDER BY o.position",
                (poll_id, user_id),
            )
        return [row[0] for row in rows]

    async def voters(self, *, poll_id: int) -> list[Voter]:
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT v.user_id, v.option_key FROM votes v"
                " JOIN poll_options o ON o.poll_id = v.poll_id AND o.key = v.option_key"
                " WHERE v.poll_id = ? ORDER BY v.user_id, o.position",
                (poll_id,),
            )
        return [Voter(user_id=row[0], option_key=row[1]) for row in rows]

    async def list_polls(
        self, *, channel: ChannelRef | None = None, open_at: datetime | None = None
    ) -> list[PollSummary]:
        where, params = ["1 = 1"], {}
        if channel is not None:
            where.append("p.platform = :platform AND p.workspace = :workspace AND p.channel = :channel")
            params.update(channel.model_dump())
        if open_at is not None:
            where.append("p.closed_at IS NULL AND (p.closes_at IS NULL OR p.closes_at > :now)")
            params["now"] = to_db(open_at)
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT p.*, (SELECT count(*) FROM votes v WHERE v.poll_id = p.id) AS total_votes FROM polls p"
                f" WHERE {' AND '.join(where)} ORDER BY p.id DESC",
                params,
            )
        now = open_at or datetime.now(UTC)
        return [
            PollSummary(
                id=row["id"],
                question=row["question"],
                platform=row["platform"],
                workspace=row["workspace"],
                channel=row["channel"],
                closed=row["closed_at"] is not None
                or (row["closes_at"] is not None and row["closes_at"] <= to_db(now)),
                total_votes=row["total_votes"],
                created_at=from_db(row["created_at"]),
            )
            for row in rows
        ]

    async def due_polls(self, *, now: datetime) -> list[Poll]:
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT id FROM polls WHERE closed_at IS NULL AND closes_at IS NOT NULL AND closes_at <= ?"
                " ORDER BY closes_at",
                (to_db(now),),
            )
        polls = [await self.get_poll(poll_id=row[0]) for row in rows]
        return [poll for poll in polls if poll is not None]

    async def next_poll_deadline(self) -> datetime | None:
        async with self._read() as db:
            row = await self._one(
                db, "SELECT min(closes_at) FROM polls WHERE closed_at IS NULL AND closes_at IS NOT NULL"
            )
        return from_db(row[0]) if row else None
