"""The SQLite connection under every query module: one connection on one database thread, WAL, busy timeout.

Every store operation is one plain function run on that thread, inside one transaction: one
round trip from the event loop however many statements it takes (aiosqlite would hop threads
for each statement). The thread runs one operation at a time, so coroutines never share a
transaction; writes begin ``IMMEDIATE`` so that another process (the CLI, a second bot) waits
on ``busy_timeout`` instead of failing half-way, and reads run in a ``DEFERRED`` transaction so
that what they read together agrees.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.core.ports import Store, StoreBusy, StoreError, StoreFull
from bot.store.migrations import migrate
from bot.store.sqlite_errors import database_error, make_folder

logger = logging.getLogger(__name__)

T = TypeVar("T")
Db = sqlite3.Connection

BUSY_TIMEOUT_MS = 5000
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(moment: datetime) -> str:
    """An aware datetime as fixed-width UTC text that sorts like time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the store only takes timezone-aware instants")
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def one(db: Db, sql: str, params: Any = ()) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(sql, params).fetchone()
    return row


def every(db: Db, sql: str, params: Any = ()) -> list[sqlite3.Row]:
    return list(db.execute(sql, params).fetchall())


_CHANNEL = "platform = :platform AND workspace = :workspace AND channel = :channel"


class SQLiteBase(Store):
    """Connection handling shared by the query mixins that make up :class:`~bot.store.sqlite.SQLiteStore`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: Db | None = None
        self._thread: ThreadPoolExecutor | None = None

    async def open(self) -> None:
        """Connect, check the file, switch to WAL and migrate.

        Raises:
            DatabaseFileError: the path cannot hold a database (read-only, a file in the way, not SQLite,
                damaged); see :mod:`bot.store.sqlite_errors`.
            StoreError: the database is newer than this code, or locked for longer than the busy timeout.
        """
        make_folder(self.path)
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sqlite-{self.path.name}")
        try:
            self._db = await asyncio.get_running_loop().run_in_executor(thread, self._connect)
        except BaseException as exc:
            thread.shutdown(wait=False)
            if isinstance(exc, sqlite3.Error):
                raise database_error(self.path, exc) from None
            raise
        self._thread = thread

    def _connect(self) -> Db:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys = ON")
            mode = _enable_wal(db)
            if mode != "wal":
                raise StoreError(f"{self.path}: SQLite refused WAL mode (journal_mode is {mode})")
            db.execute("PRAGMA synchronous = NORMAL")
            migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    async def close(self) -> None:
        if self._thread is not None and self._db is not None:
            thread, db = self._thread, self._db
            self._thread = self._db = None
            await asyncio.get_running_loop().run_in_executor(thread, db.close)
            thread.shutdown(wait=False)

    async def call(self, work: Callable[[Db], T]) -> T:
        """Run ``work(connection)`` on the database thread, outside any transaction (tests and maintenance)."""
        return await self._run(work)

    async def _run(self, work: Callable[[Db], T]) -> T:
        if self._thread is None or self._db is None:
            raise StoreError("the store is not open")
        db = self._db
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, work, db)
        except sqlite3.OperationalError as exc:
            raise translated(exc) from exc

    async def _write(self, work: Callable[[Db], T]) -> T:
        """``work`` in one ``BEGIN IMMEDIATE`` transaction: committed if it returns, rolled back if it raises."""
        return await self._run(lambda db: in_transaction(db, "IMMEDIATE", work))

    async def _read(self, work: Callable[[Db], T]) -> T:
        """``work`` in one read transaction, so several reads see one moment (another process's commits in
        between, votes from the bot while the CLI exports, are all seen or not at all)."""
        return await self._run(lambda db: in_transaction(db, "DEFERRED", work, commit=False))


def in_transaction(db: Db, mode: str, work: Callable[[Db], T], *, commit: bool = True) -> T:
    """Run ``work`` in a ``BEGIN <mode>`` transaction on the database thread."""
    db.execute(f"BEGIN {mode}")
    try:
        result = work(db)
        db.execute("COMMIT" if commit else "ROLLBACK")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return result


def _enable_wal(db: Db) -> str:
    # Switching a new file to WAL needs a moment alone with it; SQLite reports "locked" at once
    # rather than waiting out busy_timeout, so wait here when another process is opening it.
    for attempt in range(50):
        try:
            row = db.execute("PRAGMA journal_mode = WAL").fetchone()
            return str(row[0]).lower() if row else "?"
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 49:
                raise
            time.sleep(0.1)
    return "?"


def translated(exc: sqlite3.OperationalError) -> Exception:
    """SQLite's "locked"/"busy" and "full" errors as the store port's :class:`StoreBusy` and :class:`StoreFull`."""
    text = str(exc).casefold()
    if "locked" in text or "busy" in text:
        return StoreBusy(str(exc))
    if "full" in text:
        return StoreFull(str(exc))
    return exc
