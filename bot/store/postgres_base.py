"""The connection pool under every PostgreSQL query module, and the schema check at open.

Every store operation borrows one connection from an asyncpg pool (``min_size``..``max_size``) for
one statement, or for one short transaction when it needs several; nothing is held between calls, so
any number of coroutines, and of processes, can use the database at once: PostgreSQL's row locks and
constraints decide who wins, not this process (see :mod:`bot.store.postgres_polls`).

Opening checks the schema version and refuses to start on one that is behind (run ``debatebot db
upgrade``) or newer than this code; ``upgrade=True`` (``db upgrade``, tests) migrates instead, under the
migration lock of :mod:`bot.store.postgres_schema`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg

from bot.core.ports import Store, StoreError
from bot.core.telemetry import StoreUsage
from bot.store.postgres_errors import connect_error, translated
from bot.store.postgres_schema import Connection, require_current
from bot.store.postgres_schema import upgrade as upgrade_schema
from bot.store.schema import SchemaState
from bot.store.urls import Backend, DatabaseUrl, parse_database_url

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a new connection (a server that does not answer at all)."""
ACQUIRE_TIMEOUT = 10.0
"""Seconds a call waits for a free connection before it gives up with :class:`StoreBusy`."""
CLOSE_TIMEOUT = 10.0
"""Seconds :meth:`PostgresBase.close` waits for calls in flight before it cuts their connections."""

Record = asyncpg.Record
_CONNECT_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""What connecting, or a statement, raises when the server is away, refuses us, or reports an error."""


def aware(moment: datetime) -> datetime:
    """``moment`` if it is timezone-aware (PostgreSQL keeps it as UTC); naive ones are refused, as by SQLite."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: the store only takes timezone-aware instants")
    return moment


def rows_changed(status: str) -> int:
    """The row count of a command tag such as ``INSERT 0 1``, ``UPDATE 3`` or ``DELETE 0``."""
    return int(status.rsplit(" ", 1)[-1])


@asynccontextmanager
async def connect_once(url: DatabaseUrl) -> AsyncIterator[asyncpg.Connection[Record]]:
    """One connection of its own to ``url`` (the CLI's schema and copy commands), closed on exit.

    Raises:
        StoreError: the server cannot be reached or refuses the login (the message names ``host:port``).
    """
    try:
        conn = await asyncpg.connect(
            url.url, timeout=CONNECT_TIMEOUT, server_settings={"application_name": "debatebot"}
        )
    except _CONNECT_ERRORS as exc:
        raise connect_error(exc, url) from None
    try:
        yield conn
    finally:
        await conn.close()


async def _keep_session(conn: Connection) -> None:
    """Nothing to reset when a connection goes back to the pool (asyncpg still rolls back a transaction left open).

    The store leaves no session state behind (no ``SET``, ``LISTEN``, cursor or session-level advisory lock:
    its advisory locks end with their transaction), so asyncpg's default reset query would only add a round
    trip to every call, doubling a vote's.
    """


class PostgresBase(Store):
    """Pool handling shared by the query mixins that make up :class:`~bot.store.postgres.PostgresStore`."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10, upgrade: bool = False) -> None:
        self.url = parse_database_url(url)
        if self.url.backend is not Backend.POSTGRES:
            raise ValueError("PostgresStore needs a postgresql:// URL")
        self.min_size = min_size
        self.max_size = max_size
        self.upgrade = upgrade
        self.schema: SchemaState | None = None
        """What :meth:`open` found: the version before any upgrade, and the one this code expects."""
        self._pool: asyncpg.Pool | None = None
        self._in_use = 0
        self._waiting = 0

    async def open(self) -> None:
        """Connect and check the schema (or, with ``upgrade=True``, bring it up to date).

        Raises:
            StoreError: the server cannot be reached or refuses the login (the message names ``host:port``).
            SchemaError: the schema is behind (and ``upgrade`` is off) or newer than this code.
        """
        try:
            pool = await asyncpg.create_pool(
                self.url.url,
                min_size=self.min_size,
                max_size=self.max_size,
                timeout=CONNECT_TIMEOUT,
                server_settings={"application_name": "debatebot"},
                reset=_keep_session,
            )
        except _CONNECT_ERRORS as exc:
            raise connect_error(exc, self.url) from None
        try:
            try:  # with min_size=0, this is the first connection
                conn = await pool.acquire(timeout=CONNECT_TIMEOUT)
            except _CONNECT_ERRORS as exc:
                raise connect_error(exc, self.url) from None
            try:
                self.schema = await upgrade_schema(conn) if self.upgrade else await require_current(conn)
            finally:
                await pool.release(conn)
        except BaseException:
            pool.terminate()
            raise
        self._pool = pool

    async def close(self) -> None:
        """Wait for the calls in flight (at most :data:`CLOSE_TIMEOUT` s), then close every connection."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT)
        except TimeoutError:
            logger.warning("PostgreSQL connections still busy after %g s; closing them anyway", CLOSE_TIMEOUT)
            pool.terminate()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        """A connection from the pool for one operation; its errors come out as the port's (see ``translated``)."""
        pool = self._pool
        if pool is None:
            raise StoreError("the store is not open")
        waiting = True
        self._waiting += 1
        try:
            async with pool.acquire(timeout=ACQUIRE_TIMEOUT) as conn:
                waiting, self._waiting, self._in_use = False, self._waiting - 1, self._in_use + 1
                try:
                    yield conn
                finally:
                    self._in_use -= 1
        except _CONNECT_ERRORS as exc:
            problem = translated(exc, self.url)
            if problem is exc:
                raise
            raise problem from exc
        finally:
            if waiting:  # never got a connection (timed out, cancelled, the server away)
                self._waiting -= 1

    def usage(self) -> StoreUsage:
        """The pool's connections, those running an operation, and the operations waiting for one (for /metrics)."""
        size = self._pool.get_size() if self._pool is not None else 0
        return StoreUsage(size=size, in_use=self._in_use, waiting=self._waiting)

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[Connection]:
        """A connection inside a read-only ``REPEATABLE READ`` transaction: several reads that see one moment."""
        async with self._connection() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield conn

    async def _fetch(self, sql: str, *args: Any) -> list[Record]:
        async with self._connection() as conn:
            return list(await conn.fetch(sql, *args))

    async def _fetchrow(self, sql: str, *args: Any) -> Record | None:
        async with self._connection() as conn:
            return await conn.fetchrow(sql, *args)

    async def _fetchval(self, sql: str, *args: Any) -> Any:
        async with self._connection() as conn:
            return await conn.fetchval(sql, *args)

    async def _execute(self, sql: str, *args: Any) -> int:
        """Run one statement; return how many rows it changed."""
        async with self._connection() as conn:
            return rows_changed(await conn.execute(sql, *args))
