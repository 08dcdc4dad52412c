"""Poll reads of the SQLite store; each is one read transaction, so what it reads together agrees."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.core.models import ChannelRef, OptionRecord, Poll, PollSnapshot, PollSummary, Tally, Voter
from bot.store.sqlite_base import Db, SQLiteBase, every, from_db, one, to_db


class PollReads(SQLiteBase):
    async def get_poll(self, *, poll_id: int) -> Poll | None:
        return await self._read(lambda db: _poll(db, poll_id))

    async def poll_snapshot(self, *, poll_id: int, with_voters: bool = False) -> PollSnapshot | None:
        return await self._read(lambda db: _snapshot(db, poll_id, with_voters))

    async def tally(self, *, poll_id: int) -> Tally:
        return await self._read(lambda db: _tally(db, poll_id))

    async def user_choices(self, *, poll_id: int, user_id: str) -> list[str]:
        rows = await self._read(
            lambda db: every(
                db,
                "SELECT v.option_key FROM votes v JOIN poll_options o ON o.poll_id = v.poll_id AND o.key = v.option_key"
                " WHERE v.poll_id = ? AND v.user_id = ? ORDER BY o.position",
                (poll_id, user_id),
            )
        )
        return [row[0] for row in rows]

    async def voters(self, *, poll_id: int) -> list[Voter]:
        return await self._read(lambda db: _voters(db, poll_id))

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
        rows = await self._read(
            lambda db: every(
                db,
                "SELECT p.*, (SELECT count(*) FROM votes v WHERE v.poll_id = p.id) AS total_votes FROM polls p"
                f" WHERE {' AND '.join(where)} ORDER BY p.id DESC",
                params,
            )
        )
        now = to_db(open_at or datetime.now(UTC))
        return [
            PollSummary(
                id=row["id"],
                question=row["question"],
                platform=row["platform"],
                workspace=row["workspace"],
                channel=row["channel"],
                closed=row["closed_at"] is not None or (row["closes_at"] is not None and row["closes_at"] <= now),
                total_votes=row["total_votes"],
                created_at=from_db(row["created_at"]),
            )
            for row in rows
        ]

    async def due_polls(self, *, now: datetime) -> list[Poll]:
        def due(db: Db) -> list[Poll]:
            rows = every(
                db,
                "SELECT id FROM polls WHERE closed_at IS NULL AND closes_at IS NOT NULL AND closes_at <= ?"
                " ORDER BY closes_at",
                (to_db(now),),
            )
            return [poll for row in rows if (poll := _poll(db, row[0])) is not None]

        return await self._read(due)

    async def next_poll_deadline(self) -> datetime | None:
        row = await self._read(
            lambda db: one(db, "SELECT min(closes_at) FROM polls WHERE closed_at IS NULL AND closes_at IS NOT NULL")
        )
        return from_db(row[0]) if row else None


def _poll(db: Db, poll_id: int) -> Poll | None:
    row = one(db, "SELECT * FROM polls WHERE id = ?", (poll_id,))
    if row is None:
        return None
    options = every(db, "SELECT key, label FROM poll_options WHERE poll_id = ? ORDER BY position", (poll_id,))
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


def _snapshot(db: Db, poll_id: int, with_voters: bool) -> PollSnapshot | None:
    poll = _poll(db, poll_id)
    if poll is None:
        return None
    voters = tuple(_voters(db, poll_id)) if with_voters and not poll.anonymous else ()
    return PollSnapshot(poll=poll, tally=_tally(db, poll_id), voters=voters)


def _tally(db: Db, poll_id: int) -> Tally:
    rows = every(
        db,
        "SELECT o.key, count(v.user_id) AS votes FROM poll_options o"
        " LEFT JOIN votes v ON v.poll_id = o.poll_id AND v.option_key = o.key"
        " WHERE o.poll_id = ? GROUP BY o.key ORDER BY o.position",
        (poll_id,),
    )
    voters = one(db, "SELECT count(DISTINCT user_id) FROM votes WHERE poll_id = ?", (poll_id,))
    return Tally(counts={row["key"]: row["votes"] for row in rows}, voters=voters[0] if voters else 0)


def _voters(db: Db, poll_id: int) -> list[Voter]:
    rows: list[Any] = every(
        db,
        "SELECT v.user_id, v.option_key FROM votes v"
        " JOIN poll_options o ON o.poll_id = v.poll_id AND o.key = v.option_key"
        " WHERE v.poll_id = ? ORDER BY v.user_id, o.position",
        (poll_id,),
    )
    return [Voter(user_id=row[0], option_key=row[1]) for row in rows]
