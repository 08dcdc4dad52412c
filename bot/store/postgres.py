"""The PostgreSQL backend of :class:`~bot.core.ports.Store`: an asyncpg pool, assembled from query modules.

Several processes can share one database: every write is one statement (or one short transaction)
whose outcome PostgreSQL decides, so votes, closes, digest claims and event ids stay right whoever
races whom (see :mod:`bot.store.postgres_polls` and :mod:`bot.store.postgres_digests`). The schema is
migrated by ``debatebot db upgrade``, not on open (see :mod:`bot.store.schema`).
"""

from __future__ import annotations

from datetime import datetime

from bot.store.postgres_base import aware
from bot.store.postgres_digests import DigestQueries
from bot.store.postgres_polls import PollQueries

__all__ = ["PostgresStore"]


class PostgresStore(PollQueries, DigestQueries):
    """Polls, votes, digests and platform state in a PostgreSQL database (the schema of its ``search_path``)."""

    async def get_meta(self, *, key: str) -> str | None:
        value: str | None = await self._fetchval("SELECT value FROM meta WHERE key = $1", key)
        return value

    async def set_meta(self, *, key: str, value: str) -> None:
        await self._execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            key,
            value,
        )

    async def claim_event(self, *, platform: str, event_id: str, now: datetime) -> bool:
        """``True`` for exactly one caller, whichever process: the primary key decides."""
        inserted = await self._execute(
            "INSERT INTO processed_events (platform, event_id, seen_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (platform, event_id) DO NOTHING",
            platform,
            event_id,
            aware(now),
        )
        return inserted == 1

    async def prune_events(self, *, before: datetime) -> int:
        return await self._execute("DELETE FROM processed_events WHERE seen_at < $1", aware(before))
