"""The PostgreSQL schema's versions: numbered files in ``bot/store/pg_migrations``, tracked in ``schema_version``.

PostgreSQL has no ``user_version``: ``schema_version`` has one row per migration applied (version,
file name, when). Migrations run in one transaction that first takes a transaction-level advisory
lock (``pg_advisory_xact_lock``) keyed by the schema: a second process migrating at the same time
waits, then finds the work done. DDL is transactional in PostgreSQL, so a failed migration leaves
the schema as it was. The lock goes with the transaction, so it also works through PgBouncer's
transaction pooling (a session-level lock would not).
"""

from __future__ import annotations

import logging
from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.store.migrations import Migration, load_migrations
from bot.store.schema import SchemaError, SchemaState

logger = logging.getLogger(__name__)

Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"
"""A connection of its own, or one borrowed from a pool."""

FOLDER = "pg_migrations"
_LOCK_CLASS = 0x6462_6D67  # "dbmg": the first of the two advisory-lock keys; the second is the schema's hash
_LOCK = "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))"
_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
)


def postgres_migrations() -> list[Migration]:
    return load_migrations(FOLDER)


async def read_version(conn: Connection) -> int:
    """The schema version of the connection's schema (its ``search_path``); 0 before any migration."""
    if not await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


async def schema_state(conn: Connection, migrations: list[Migration] | None = None) -> SchemaState:
    migrations = postgres_migrations() if migrations is None else migrations
    return SchemaState(await read_version(conn), migrations[-1].version if migrations else 0)


async def require_current(conn: Connection, migrations: list[Migration] | None = None) -> SchemaState:
    """The schema's state if it is the one this code expects.

    Raises:
        SchemaError: behind (the message says to run ``debatebot db upgrade``) or newer than this code.
    """
    state = await schema_state(conn, migrations)
    if not state.is_current:
        raise SchemaError(state)
    return state


async def apply_migrations(conn: Connection, migrations: list[Migration] | None = None) -> SchemaState:
    """Bring the schema up to date inside the caller's transaction, under the migration lock.

    Returns the state found (``current`` is the version before); the schema is at ``latest`` after.

    Raises:
        SchemaError: the schema is newer than this code (nothing is changed).
    """
    if not conn.is_in_transaction():
        raise RuntimeError("apply_migrations needs a transaction (see upgrade)")
    migrations = postgres_migrations() if migrations is None else migrations
    await conn.execute(_LOCK, _LOCK_CLASS)
    await conn.execute(_VERSION_TABLE)
    state = await schema_state(conn, migrations)
    if state.is_newer:
        raise SchemaError(state)
    for migration in migrations[state.current :]:
        logger.info("applying PostgreSQL migration %s", migration.name)
        await conn.execute(migration.sql)
        await conn.execute(
            "INSERT INTO schema_version (version, name) VALUES ($1, $2)", migration.version, migration.name
        )
    return state


async def upgrade(conn: Connection, migrations: list[Migration] | None = None) -> SchemaState:
    """:func:`apply_migrations` in a transaction of its own: every migration applied, or none."""
    async with conn.transaction():
        return await apply_migrations(conn, migrations)
