"""The SQLite backend of :class:`~bot.core.ports.Store`: one file, WAL mode, assembled from query modules."""

from __future__ import annotations

from datetime import datetime

from bot.core.telemetry import StoreUsage
from bot.store.sqlite_base import BUSY_TIMEOUT_MS, from_db, one, to_db
from bot.store.sqlite_digests import DigestQueries
from bot.store.sqlite_polls import PollQueries

__all__ = ["BUSY_TIMEOUT_MS", "SQLiteStore", "from_db", "to_db"]


class SQLiteStore(PollQueries, DigestQueries):
    """Polls, votes, digests and platform state in one SQLite file."""

    def usage(self) -> StoreUsage:
        """The database thread (busy or not) and the operations waiting for it or for the next batch of votes."""
        pending = self._submitted - self._finished  # read without a lock: a scrape can be off by one
        return StoreUsage(size=1, in_use=min(pending, 1), waiting=max(pending - 1, 0) + self.votes.queued)

    async def get_meta(self, *, key: str) -> str | None:
        row = await self._read(lambda db: one(db, "SELECT value FROM meta WHERE key = ?", (key,)))
        return None if row is None else str(row[0])

    async def set_meta(self, *, key: str, value: str) -> None:
        await self._write(
            lambda db: db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        )

    async def claim_event(self, *, platform: str, event_id: str, now: datetime) -> bool:
        cursor = await self._write(
            lambda db: db.execute(
                "INSERT INTO processed_events (platform, event_id, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (platform, event_id) DO NOTHING",
                (platform, event_id, to_db(now)),
            )
        )
        return cursor.rowcount == 1

    async def prune_events(self, *, before: datetime) -> int:
        cursor = await self._write(
            lambda db: db.execute("DELETE FROM processed_events WHERE seen_at < ?", (to_db(before),))
        )
        return cursor.rowcount
