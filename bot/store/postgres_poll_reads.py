"""Poll reads of the PostgreSQL store: each is one statement, or one ``REPEATABLE READ`` transaction, so what it
reads together agrees.

Text is ordered with ``COLLATE "C"`` (byte order), as SQLite orders it, whatever the database's collation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.core.models import ChannelRef, OptionRecord, Poll, PollSnapshot, PollSummary, Tally, Voter
from bot.store.postgres_base import PostgresBase, Record, aware
from bot.store.postgres_schema import Connection

POLL_COLUMNS = (
    "p.*, ARRAY(SELECT o.key FROM poll_options o WHERE o.poll_id = p.id ORDER BY o.position) AS option_keys,"
    " ARRAY(SELECT o.label FROM poll_options o WHERE o.poll_id = p.id ORDER BY o.position) AS option_labels"
)
"""A poll row with its options in order, so that a poll is read in one statement."""

_TALLY = (
    "SELECT o.key, count(v.user_id) AS votes,"
    " (SELECT count(DISTINCT d.user_id) FROM votes d WHERE d.poll_id = $1) AS voters"
    " FROM poll_options o LEFT JOIN votes v ON v.poll_id = o.poll_id AND v.option_key = o.key"
    " WHERE o.poll_id = $1 GROUP BY o.key, o.position ORDER BY o.position"
)
_VOTERS = (
    "SELECT v.user_id, v.option_key FROM votes v"
    " JOIN poll_options o ON o.poll_id = v.poll_id AND o.key = v.option_key"
    ' WHERE v.poll_id = $1 ORDER BY v.user_id COLLATE "C", o.position'
)


class PollReads(PostgresBase):
    async def get_poll(self, *, poll_id: int) -> Poll | None:
        row = await self._fetchrow(f"SELECT {POLL_COLUMNS} FROM polls p WHERE p.id = $1", poll_id)
        return None if row is None else poll_from_row(row)

    async def poll_snapshot(self, *, poll_id: int, with_voters: bool = False) -> PollSnapshot | None:
        async with self._snapshot() as conn:
            row = await conn.fetchrow(f"SELECT {POLL_COLUMNS} FROM polls p WHERE p.id = $1", poll_id)
            if row is None:
                return None
            poll = poll_from_row(row)
            tally = await _tally(conn, poll_id)
            voters = tuple(await _voters(conn, poll_id)) if with_voters and not poll.anonymous else ()
        return PollSnapshot(poll=poll, tally=tally, voters=voters)

    async def tally(self, *, poll_id: int) -> Tally:
        async with self._connection() as conn:
            return await _tally(conn, poll_id)

    async def user_choices(self, *, poll_id: int, user_id: str) -> list[str]:
        rows = await self._fetch(
            "SELECT v.option_key FROM votes v JOIN poll_options o ON o.poll_id = v.poll_id AND o.key = v.option_key"
            " WHERE v.poll_id = $1 AND v.user_id = $2 ORDER BY o.position",
            poll_id,
            user_id,
        )
        return [row[0] for row in rows]

    async def voters(self, *, poll_id: int) -> list[Voter]:
        async with self._connection() as conn:
            return await _voters(conn, poll_id)

    async def list_polls(
        self, *, channel: ChannelRef | None = None, open_at: datetime | None = None
    ) -> list[PollSummary]:
        now = datetime.now(UTC) if open_at is None else aware(open_at)
        where, params = ["TRUE"], list[Any]([now])
        if channel is not None:
            where.append("p.platform = $2 AND p.workspace = $3 AND p.channel = $4")
            params += [channel.platform, channel.workspace, channel.channel]
        if open_at is not None:
            where.append("p.closed_at IS NULL AND (p.closes_at IS NULL OR p.closes_at > $1)")
        rows = await self._fetch(
            "SELECT p.id, p.question, p.platform, p.workspace, p.channel, p.created_at,"
            " p.closed_at IS NOT NULL OR coalesce(p.closes_at <= $1, FALSE) AS closed,"
            " (SELECT count(*) FROM votes v WHERE v.poll_id = p.id) AS total_votes"
            f" FROM polls p WHERE {' AND '.join(where)} ORDER BY p.id DESC",
            *params,
        )
        return [PollSummary(**dict(row)) for row in rows]

    async def due_polls(self, *, now: datetime) -> list[Poll]:
        rows = await self._fetch(
            f"SELECT {POLL_COLUMNS} FROM polls p"
            " WHERE p.closed_at IS NULL AND p.closes_at IS NOT NULL AND p.closes_at <= $1 ORDER BY p.closes_at, p.id",
            aware(now),
        )
        return [poll_from_row(row) for row in rows]

    async def next_poll_deadline(self) -> datetime | None:
        deadline: datetime | None = await self._fetchval(
            "SELECT min(closes_at) FROM polls WHERE closed_at IS NULL AND closes_at IS NOT NULL"
        )
        return deadline


def poll_from_row(row: Record) -> Poll:
    return Poll(
        id=row["id"],
        channel=ChannelRef(platform=row["platform"], workspace=row["workspace"], channel=row["channel"]),
        creator_id=row["creator_id"],
        question=row["question"],
        options=tuple(
            OptionRecord(key=key, label=label)
            for key, label in zip(row["option_keys"], row["option_labels"], strict=True)
        ),
        preset_id=row["preset_id"],
        anonymous=row["anonymous"],
        max_choices=row["max_choices"],
        created_at=row["created_at"],
        closes_at=row["closes_at"],
        closed_at=row["closed_at"],
        message_ref=row["message_ref"],
    )


async def _tally(conn: Connection, poll_id: int) -> Tally:
    rows: list[Any] = await conn.fetch(_TALLY, poll_id)
    return Tally(counts={row["key"]: row["votes"] for row in rows}, voters=rows[0]["voters"] if rows else 0)


async def _voters(conn: Connection, poll_id: int) -> list[Voter]:
    return [Voter(user_id=row[0], option_key=row[1]) for row in await conn.fetch(_VOTERS, poll_id)]
