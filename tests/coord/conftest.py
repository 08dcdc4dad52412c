"""Real Redis for the coordination tests: each test gets its own key prefix, and every key under it is deleted after.

The server is ``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); without one the tests that need it are
skipped with one summary line, and fail when ``CI`` is set (see :mod:`tests.services`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.app import App, build_app
from bot.coord.redis_coordination import RedisCoordination
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.conftest import FakeClock
from tests.services import redis_url

MakeCoordination = Callable[..., RedisCoordination]


@pytest.fixture
def redis_server() -> str:
    return redis_url()


@pytest.fixture
async def redis(redis_server: str, prefix: str) -> AsyncIterator[Redis]:
    """A client of the test server of its own, to look at (and clean up) what the bot wrote under ``prefix``."""
    client = Redis.from_url(redis_server, decode_responses=True)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    return f"debatebot-test-{uuid.uuid4().hex[:10]}:"


@pytest.fixture
def make_coordination(redis_server: str, prefix: str, clock: FakeClock, redis: Redis) -> MakeCoordination:
    """Coordination through the test server under this test's prefix: a new client (a "process") per call. What
    they write is deleted after the test (``redis``)."""

    def make(url: str | None = None, **options: object) -> RedisCoordination:
        defaults: dict[str, object] = {"clock": clock, "prefix": prefix, "timeout": 0.3, "probe_every": 0.2}
        return RedisCoordination(url or redis_server, **{**defaults, **options})  # type: ignore[arg-type]

    return make


MakeProcesses = Callable[..., Awaitable[list[App]]]


@pytest.fixture
async def make_processes(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase, make_coordination: MakeCoordination
) -> AsyncIterator[MakeProcesses]:
    """Apps as bot processes would be: one database file, one Redis, each with a client of its own; all stopped
    after the test."""
    started: list[App] = []
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'shared.db'}")  # type: ignore[call-arg]

    async def make(count: int = 3, **options: object) -> list[App]:
        apps = [
            build_app(settings, clock=clock, kb=kb, coordination=make_coordination(**options)) for _ in range(count)
        ]
        for app in apps:
            await app.start()
            started.append(app)
        return apps

    yield make
    for app in started:
        await app.stop()
