"""The SQLite connection under every query module: one connection on one database thread, WAL, busy timeout.

Every store operation is one plain function run on that thread, inside one transaction: one
round trip from the event loop however many statements it takes (aiosqlite would hop threads
for each statement). The thread runs one operation at a time, so coroutines never share a
transaction; writes begin ``IMMEDIATE`` so that another process (the CLI, a second bot) waits
on ``busy_timeout`` instead of failing half-way, and reads run in a ``DEFERRED`` transaction so
that what they read together agrees.

The hot path, a batch of votes, skips the thread when it can (:meth:`SQLiteBase._try_write_now`):
it runs on the event loop itself, on a second connection, which is faster than the hand-over (about
50 µs against a vote's 30 µs) and cannot block the loop: that connection never waits for a lock
(busy timeout 0: if anyone else holds the write lock, the thread's connection or another process,
the batch goes to the thread to wait its turn), and never waits for the disk, because it does not
checkpoint on commit (its checkpoints run on the thread, every :data:`CHECKPOINT_EVERY` writes; with
``synchronous = NORMAL`` a commit in WAL mode does not sync). Reads on the thread meanwhile are no
obstacle: in WAL mode readers and the writer do not block each other.
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
CHECKPOINT_EVERY = 100
"""Writes on the loop's connection between two checkpoints (run on the database thread, never on the loop):
often enough that the WAL stays small: SQLite appends to a short WAL it has restarted faster than to a growing one."""
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(moment: datetime) -> str:
    """An aware datetime as fixed-width UTC text that sorts like time (``2026-03-01T12:00:00.000000Z``)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the store only takes timezone-aware instants")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def one(db: Db, sql: str, params: Any = ()) -> sqlite3.Row | None:
    cursor = db.execute(sql, params)
    row: sqlite3.Row | None = cursor.fetchone()
    cursor.close()  # resets the statement: a savepoint cannot open while one is still stepping
    return row


def every(db: Db, sql: str, params: Any = ()) -> list[sqlite3.Row]:
    return list(db.execute(sql, params).fetchall())


_CHANNEL = "platform = :platform AND workspace = :workspace AND channel = :channel"


class SQLiteBase(Store):
    """Connection handling shared by the query mixins that make up :class:`~bot.store.sqlite.SQLiteStore`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: Db | None = None
        self._db_now: Db | None = None
        """The event loop's own connection, for :meth:`_try_write_now`."""
        self._thread: ThreadPoolExecutor | None = None
        self._submitted = 0  # operations handed to the thread (written by the event loop only)
        self._finished = 0  # operations the thread has finished (written by the thread only)
        self._writes = 0
        self._checkpoint: asyncio.Future[Any] | None = None

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
            self._db_now = self._connect_now()
        except BaseException as exc:
            await self._close(thread)
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

    def _connect_now(self) -> Db:
        """The loop's connection, once the thread's has set the file up (WAL is a property of the file)."""
        db = sqlite3.connect(self.path, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout = 0")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA wal_autocheckpoint = 0")
        except BaseException:
            db.close()
            raise
        return db

    async def close(self) -> None:
        if self._thread is not None:
            thread, self._thread = self._thread, None
            await self._close(thread)

    async def _close(self, thread: ThreadPoolExecutor) -> None:
        if self._checkpoint is not None:  # closing checkpoints anyway
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        db_now, self._db_now = self._db_now, None
        if db_now is not None:
            db_now.close()
        db, self._db = self._db, None
        if db is not None:  # the last connection to close checkpoints the WAL into the file
            await asyncio.get_running_loop().run_in_executor(thread, db.close)
        thread.shutdown(wait=False)

    async def call(self, work: Callable[[Db], T]) -> T:
        """Run ``work(connection)`` on the database thread, outside any transaction (tests and maintenance)."""
        return await self._run(work)

    async def set_pragma(self, name: str, value: int | str) -> None:
        """Set a per-connection pragma (``max_page_count``, say) on both connections (tests and maintenance)."""
        statement = f"PRAGMA {name} = {value}"
        await self._run(lambda db: db.execute(statement).fetchall())
        if self._db_now is not None:
            self._db_now.execute(statement).fetchall()

    async def _run(self, work: Callable[[Db], T]) -> T:
        if self._thread is None or self._db is None:
            raise StoreError("the store is not open")
        db = self._db

        def counted() -> T:
            try:
                return work(db)
            finally:
                self._finished += 1

        self._submitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, counted)
        except sqlite3.OperationalError as exc:
            raise translated(exc) from exc

    async def _write(self, work: Callable[[Db], T]) -> T:
        """``work`` in one ``BEGIN IMMEDIATE`` transaction: committed if it returns, rolled back if it raises."""
        result = await self._run(lambda db: in_transaction(db, "IMMEDIATE", work))
        self._wrote()
        return result

    def _try_write_now(self, work: Callable[[Db], T]) -> T | None:
        """Like :meth:`_write`, but on the event loop, when nobody else holds the write lock (see the module
        docstring); ``None`` (nothing written) when it cannot be done now. ``work`` must be short.

        Raises:
            StoreFull: the disk is full (nothing was written).
        """
        db = self._db_now
        if db is None:
            return None
        try:
            result = in_transaction(db, "IMMEDIATE", work)
        except sqlite3.OperationalError as exc:
            if isinstance(problem := translated(exc), StoreBusy):
                return None  # another process holds the write lock: nothing was written; wait for it on the thread
            raise problem from exc
        self._wrote()
        return result

    def _wrote(self) -> None:
        """A write on the loop's connection committed: checkpoint on the thread now and then."""
        self._writes += 1
        if self._writes % CHECKPOINT_EVERY == 0 and (self._checkpoint is None or self._checkpoint.done()):
            self._checkpoint = asyncio.ensure_future(
                self._run(lambda db: db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall())
            )
            self._checkpoint.add_done_callback(_log_failed_checkpoint)

    async def _read(self, work: Callable[[Db], T]) -> T:
        """``work`` in one read transaction, so several reads see one moment (another process's commits in
        between, votes from the bot while the CLI exports, are all seen or not at all)."""
        return await self._run(lambda db: in_transaction(db, "DEFERRED", work, commit=False))


def _log_failed_checkpoint(done: asyncio.Future[Any]) -> None:
    if not done.cancelled() and done.exception() is not None:
        logger.warning("WAL checkpoint failed (it is tried again later): %s", done.exception())


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
