"""PostgreSQL's errors as the store port's: busy (nothing written, try again), full, or unusable.

Every message names the server as ``host:port`` and never carries the password of ``DATABASE_URL``.
"""

from __future__ import annotations

import os

import asyncpg

from bot.core.ports import StoreBusy, StoreError, StoreFull
from bot.store.urls import DatabaseUrl

_BUSY = (
    asyncpg.exceptions.TransactionRollbackError,  # serialization failure, deadlock detected: rolled back
    asyncpg.exceptions.LockNotAvailableError,  # lock_timeout
    asyncpg.exceptions.QueryCanceledError,  # statement_timeout
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
)
_FULL = (asyncpg.exceptions.DiskFullError, asyncpg.exceptions.OutOfMemoryError)
_LOST = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.InterfaceError,
    OSError,
)


def translated(exc: BaseException, url: DatabaseUrl) -> BaseException:
    """``exc``, raised while using the database, as a :class:`StoreError` when the port has a word for it.

    Anything else (a constraint violated, a bug in a statement) is returned unchanged.
    """
    if isinstance(exc, _BUSY):
        return StoreBusy(f"PostgreSQL at {url.address}: {exc}; nothing was written")
    if isinstance(exc, _FULL):
        return StoreFull(f"PostgreSQL at {url.address} cannot grow: {exc}")
    if isinstance(exc, TimeoutError):
        return StoreBusy(f"no free connection to PostgreSQL at {url.address} in time; nothing was written")
    if isinstance(exc, _LOST):
        return StoreError(f"lost the connection to PostgreSQL at {url.address} ({_reason(exc)})")
    return exc


def connect_error(exc: BaseException, url: DatabaseUrl) -> StoreError:
    """Why the first connection failed, for an operator: the server is down or away, or it refused us."""
    if isinstance(exc, OSError | TimeoutError):
        return StoreError(
            f"cannot connect to PostgreSQL at {url.address} ({_reason(exc)}): is the server running, "
            "and is DATABASE_URL right?"
        )
    if isinstance(exc, asyncpg.exceptions.InvalidCatalogNameError):
        return StoreError(f"PostgreSQL at {url.address}: {exc}; create it, or fix the database name in DATABASE_URL")
    if isinstance(exc, asyncpg.exceptions.InvalidAuthorizationSpecificationError):
        return StoreError(f"PostgreSQL at {url.address} refused the login: {exc}; check the user and password")
    return StoreError(f"cannot connect to PostgreSQL at {url.address}: {_reason(exc)}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)  # "Connection refused", not asyncio's "Connect call failed (…)"
    return str(exc) or type(exc).__name__
