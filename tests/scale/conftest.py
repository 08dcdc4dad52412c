"""What several bot processes share: a PostgreSQL schema of the test's own (upgraded once, as a deploy does with
``debatebot db upgrade``), and Redis under a key prefix of the test's own, deleted afterwards.

Without the servers these tests are skipped with one summary line, and with ``CI`` set they fail
(see :mod:`tests.services`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from bot.store.factory import store_at
from tests.postgres import fresh_schema
from tests.services import postgres_url, redis_url


@asynccontextmanager
async def upgraded_schema() -> AsyncIterator[str]:
    """The ``DATABASE_URL`` of an empty PostgreSQL schema of the caller's own, upgraded as by ``db upgrade``."""
    async with fresh_schema(postgres_url()) as url:
        store = store_at(url, upgrade=True)
        await store.open()
        await store.close()
        yield url


@pytest.fixture
async def shared_database() -> AsyncIterator[str]:
    """The ``DATABASE_URL`` of an empty, upgraded PostgreSQL schema of this test's own."""
    async with upgraded_schema() as url:
        yield url


@dataclass(frozen=True)
class SharedRedis:
    url: str
    prefix: str

    def settings(self) -> dict[str, str]:
        return {"REDIS_URL": self.url, "REDIS_KEY_PREFIX": self.prefix}


@pytest.fixture
async def shared_redis() -> AsyncIterator[SharedRedis]:
    """Redis for the test's processes, under a key prefix of its own (every key under it deleted afterwards)."""
    shared = SharedRedis(redis_url(), f"debatebot-test-{uuid.uuid4().hex[:10]}:")
    yield shared
    client = Redis.from_url(shared.url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{shared.prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
