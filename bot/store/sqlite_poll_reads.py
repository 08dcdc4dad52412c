"""Poll reads of the SQLite store; reads that must agree with each other share one snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.store.records import ChannelRef, OptionRecord, Poll, PollSummary, Tally, Voter
from bot.store.sqlite_base import SQLiteBase, from_db, to_db


@dataclass(frozen=True)
class PollSnapshot:
    """One moment of a poll: what an export shows (no voters for an anonymous poll)."""

    poll: Poll
    tally: Tally
    voters: tuple[Voter, ...]


class PollReads(SQLiteBase):
    async def get_poll(self, *, poll_id: int) -> Poll | None:
        async with self._snapshot() as db:
            return await self._get_poll(db, poll_id)

    async def _get_poll(self, db: aiosqlite.Connection, poll_id: int) -> Poll | None:
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

    async def poll_snapshot(self, *, poll_id: int) -> PollSnapshot | None:
        """The poll, its tally and (unless it is anonymous) its voters, read in one transaction so they agree."""
        async with self._snapshot() as db:
            poll = await self._get_poll(db, poll_id)
            if poll is None:
                return None
            tally = await self._tally(db, poll_id)
            voters = () if poll.anonymous else tuple(await self._voters(db, poll_id))
        return PollSnapshot(poll=poll, tally=tally, voters=voters)

    async def tally(self, *, poll_id: int) -> Tally:
        async with self._snapshot() as db:
            return await self._tally(db, poll_id)

    async def _tally(self, db: aiosqlite.Connection, poll_id: int) -> Tally:
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
            return await self._voters(db, poll_id)

    async def _voters(self, db: aiosqlite.Connection, poll_id: int) -> list[Voter]:
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
