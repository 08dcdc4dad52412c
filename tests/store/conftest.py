"""Store fixtures: one opened store per backend, closed after each test.

A backend is a factory ``tmp_path -> async context manager yielding an opened Store``. PostgreSQL runs in a
fresh schema per test, dropped on exit; without a server its tests are skipped (failed on CI), see
:mod:`tests.services`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from bot.core.ports import Store
from bot.store.memory import MemoryStore
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SQLiteStore
from tests.postgres import fresh_schema
from tests.services import postgres_url

Backend = Callable[[Path], AbstractAsyncContextManager[Store]]


@asynccontextmanager
async def sqlite_backend(tmp_path: Path) -> AsyncIterator[Store]:
    """SQLite on a real file (WAL needs one), in a folder the store must create itself."""
    store = SQLiteStore(tmp_path / "data" / "debatebot.sqlite3")
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def memory_backend(tmp_path: Path) -> AsyncIterator[Store]:
    """Plain dicts: nothing is written under ``tmp_path``."""
    store = MemoryStore()
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def postgres_backend(tmp_path: Path) -> AsyncIterator[Store]:
    """PostgreSQL in a schema of its own, migrated on open, with a pool of several connections."""
    async with fresh_schema(postgres_url()) as url:
        store = PostgresStore(url, min_size=1, max_size=4, upgrade=True)
        await store.open()
        try:
            yield store
        finally:
            await store.close()


BACKENDS = [
    pytest.param(sqlite_backend, id="sqlite"),
    pytest.param(memory_backend, id="memory"),
    pytest.param(postgres_backend, id="postgres"),
]


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    backend: Backend = request.param
    async with backend(tmp_path) as opened:
        yield opened
