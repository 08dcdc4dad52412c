"""``DATABASE_URL`` to a store, and a schema's version read or brought up to date, whatever the backend.

The composition root (:func:`bot.app.build_app`) and the CLI get their store here; nothing else names
a backend's class.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

from bot.core.ports import Store
from bot.settings import Settings
from bot.store.migrations import load_migrations, sqlite_version
from bot.store.postgres import PostgresStore
from bot.store.postgres_base import connect_once
from bot.store.postgres_schema import schema_state as postgres_schema_state
from bot.store.postgres_schema import upgrade as postgres_upgrade
from bot.store.schema import SchemaState
from bot.store.sqlite import SQLiteStore
from bot.store.sqlite_errors import database_error
from bot.store.urls import Backend, DatabaseUrl, parse_database_url


def store_at(url: str, *, min_size: int = 1, max_size: int = 10, upgrade: bool = False) -> Store:
    """A store (not yet open) for ``url``; ``upgrade`` lets a PostgreSQL store migrate when it opens.

    Raises:
        ValueError: ``url`` names no backend this code knows.
    """
    database = parse_database_url(url)
    if database.backend is Backend.SQLITE:
        return SQLiteStore(database.path)
    return PostgresStore(database.url, min_size=min_size, max_size=max_size, upgrade=upgrade)


def store_for(settings: Settings) -> Store:
    """The store ``DATABASE_URL`` names, with the configured pool sizes; not yet open."""
    return store_at(
        settings.database_url, min_size=settings.database_pool_min_size, max_size=settings.database_pool_max_size
    )


async def schema_state(database: DatabaseUrl) -> SchemaState:
    """The schema version of ``database`` and the one this code expects; nothing is written or created.

    Raises:
        StoreError: the database cannot be read (PostgreSQL not reachable, a file that is not SQLite).
    """
    if database.backend is Backend.POSTGRES:
        async with connect_once(database) as conn:
            return await postgres_schema_state(conn)
    latest = len(load_migrations())
    path = database.path
    if not path.exists():
        return SchemaState(0, latest)
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return SchemaState(sqlite_version(db), latest)
    except sqlite3.Error as exc:
        raise database_error(path, exc) from None


async def upgrade_schema(database: DatabaseUrl) -> SchemaState:
    """Migrate ``database`` to this code's schema; return the state it was in (its version before).

    Raises:
        SchemaError: the schema is newer than this code (nothing is changed).
        StoreError: the database cannot be reached or written.
    """
    if database.backend is Backend.POSTGRES:
        async with connect_once(database) as conn:
            return await postgres_upgrade(conn)
    before = await schema_state(database)
    store = SQLiteStore(database.path)  # SQLite migrates when it opens
    await store.open()
    await store.close()
    return before
