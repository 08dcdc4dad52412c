"""The SQLite connection under every query module: WAL, busy timeout, foreign keys, and one
transaction at a time.

One connection per process, every operation serialised by a lock so coroutines never
share a transaction; writes begin ``IMMEDIATE`` so that another process (the CLI, a
second bot) waits on ``busy_timeout`` instead of failing half-way.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.migrations import migrate
from bot.store.port import Store, StoreBusy, StoreError, StoreFull
from bot.store.sqlite_errors import database_error, make_folder

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(moment: datetime) -> str:
    """An aware datetime as fixed-width UTC text that sorts like time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the store only takes timezone-aware instants")
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


_OPEN = (
    "EXISTS (SELECT 1 FROM polls WHERE id = :poll AND closed_at IS NULL AND (closes_at IS NULL OR closes_at > :now))"
)


_CHANNEL = "platform = :platform AND workspace = :workspace AND channel = :channel"


class SQLiteBase(Store):
    """Connection handling shared by the query mixins that make up :class:`~bot.store.sqlite.SQLiteStore`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Connect, check the file, switch to WAL and migrate.

        Raises:
            DatabaseFileError: the path cannot hold a database (read-only, a file in the way, not SQLite,
                damaged); see :mod:`bot.store.sqlite_errors`.
            StoreError: the database is newer than this code, or locked for longer than the busy timeout.
        """
        make_folder(self.path)
        try:
            await self._connect()
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None

    async def _connect(self) -> None:
        # Open it once with the standard library first: when aiosqlite's own connect fails, its worker
        # thread outlives the event loop and prints a traceback on the way out.
        await asyncio.to_thread(lambda: sqlite3.connect(self.path).close())
        db = await aiosqlite.connect(self.path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA foreign_keys = ON")
            row = await self._enable_wal(db)
            if not row or str(row[0]).lower() != "wal":
                raise StoreError(f"{self.path}: SQLite refused WAL mode (journal_mode is {row[0] if row else '?'})")
            await db.execute("PRAGMA synchronous = NORMAL")
            await migrate(db)
        except BaseException:
            await db.close()
            raise
        self._db = db

    @staticmethod
    async def _enable_wal(db: aiosqlite.Connection) -> aiosqlite.Row | None:
        # Switching a new file to WAL needs a moment alone with it; SQLite reports "locked" at
        # once rather than waiting out busy_timeout, so wait here when another process is opening it.
        for attempt in range(50):
            try:
                async with db.execute("PRAGMA journal_mode = WAL") as cursor:
                    return await cursor.fetchone()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                await asyncio.sleep(0.1)
        return None

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the store is not open")
        return self._db

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            db = self.db
            try:
                await self._begin(db, "IMMEDIATE")
                yield db
                await db.commit()
            except BaseException as exc:
                if db.in_transaction:
                    await db.rollback()
                if (translated := _translated(exc)) is exc:
                    raise
                raise translated from exc

    async def _begin(self, db: aiosqlite.Connection, mode: str) -> None:
        try:
            await db.execute(f"BEGIN {mode}")
        except sqlite3.OperationalError:
            if not db.in_transaction:
                raise
            # An operation cancelled while its BEGIN was queued left a transaction open: undo it and go on.
            logger.warning("rolling back a transaction left open by a cancelled operation")
            await db.rollback()
            await db.execute(f"BEGIN {mode}")

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[aiosqlite.Connection]:
        """One statement's worth of reading; use :meth:`_snapshot` when several must agree."""
        async with self._lock:
            try:
                yield self.db
            except sqlite3.OperationalError as exc:
                if (translated := _translated(exc)) is exc:
                    raise
                raise translated from exc

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several reads that see one moment: a read transaction, so another process's commits in between
        (votes from the bot while the CLI exports) are either all seen or not at all."""
        async with self._lock:
            db = self.db
            await self._begin(db, "DEFERRED")
            try:
                yield db
            finally:
                if db.in_transaction:
                    await db.rollback()

    async def _all(self, db: aiosqlite.Connection, sql: str, params: Any = ()) -> list[aiosqlite.Row]:
        async with db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _one(self, db: aiosqlite.Connection, sql: str, params: Any = ()) -> aiosqlite.Row | None:
        async with db.execute(sql, params) as cursor:
            return await cursor.fetchone()


def _translated(exc: BaseException) -> BaseException:
    """SQLite's "locked"/"busy" and "full" errors as the store port's :class:`StoreBusy` and :class:`StoreFull`."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).casefold()
        if "locked" in text or "busy" in text:
            return StoreBusy(str(exc))
        if "full" in text:
            return StoreFull(str(exc))
    return exc
