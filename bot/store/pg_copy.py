"""``debatebot db copy``: every row of a SQLite database into an empty PostgreSQL one, all or nothing.

The source is opened as the bot opens it (so an older file is first brought up to date) and read in
one read transaction, so the copy is one moment of it even while a bot still writes. The destination
is written in one transaction: its schema is brought up to date under the migration lock, it must be
empty, the rows go in with ``COPY``, the poll id sequence is moved past the copied ids, and the rows of
every table are counted on both sides; any difference rolls the whole copy back.

The source is read into memory whole: fine for a bot's database (a million votes is a few hundred MB).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.ports import StoreError
from bot.store.postgres_base import connect_once
from bot.store.postgres_schema import Connection, apply_migrations
from bot.store.sqlite import SQLiteStore, from_db
from bot.store.sqlite_base import in_transaction
from bot.store.urls import DatabaseUrl

TABLES: dict[str, tuple[str, ...]] = {
    "polls": (
        "id",
        "platform",
        "workspace",
        "channel",
        "creator_id",
        "question",
        "preset_id",
        "anonymous",
        "max_choices",
        "created_at",
        "closes_at",
        "closed_at",
        "message_ref",
    ),
    "poll_options": ("poll_id", "key", "position", "label"),
    "votes": ("poll_id", "user_id", "slot", "option_key", "cast_at"),
    "digest_subscriptions": (
        "platform",
        "workspace",
        "channel",
        "local_time",
        "time_zone",
        "created_by",
        "created_at",
        "paused_reason",
    ),
    "digest_quotes": ("platform", "workspace", "channel", "local_date", "claim_id", "seq"),
    "digest_runs": (
        "platform",
        "workspace",
        "channel",
        "local_date",
        "status",
        "attempts",
        "claimed_at",
        "finished_at",
        "message_ref",
        "last_error",
        "retry_at",
    ),
    "meta": ("key", "value"),
    "processed_events": ("platform", "event_id", "seen_at"),
}
"""Every table and column, parents before children (foreign keys are checked row by row)."""

_INSTANTS = {"created_at", "closes_at", "closed_at", "cast_at", "claimed_at", "finished_at", "retry_at", "seen_at"}


class CopyError(StoreError):
    """The copy was refused or did not add up; nothing was written to the destination."""


@dataclass(frozen=True)
class Copied:
    """Rows of one table in the source and, after the copy, in the destination."""

    table: str
    source: int
    destination: int


@dataclass(frozen=True)
class _Source:
    rows: dict[str, list[tuple[Any, ...]]]
    counts: dict[str, int]
    last_poll_id: int


def _value(column: str, value: Any) -> Any:
    """A SQLite value as PostgreSQL's column takes it: instants, dates and flags have types there."""
    if value is None:
        return None
    if column in _INSTANTS:
        return from_db(value)
    if column == "local_date":
        return date.fromisoformat(value)
    if column == "anonymous":
        return bool(value)
    return value


def _read(db: sqlite3.Connection) -> _Source:
    rows = {
        table: [
            tuple(_value(column, value) for column, value in zip(columns, row, strict=True))
            for row in db.execute(f"SELECT {', '.join(columns)} FROM {table}")
        ]
        for table, columns in TABLES.items()
    }
    counts = {table: int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in TABLES}
    sequence = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'polls'").fetchone()
    last_id = max(int(sequence[0]) if sequence else 0, max((row[0] for row in rows["polls"]), default=0))
    return _Source(rows, counts, last_id)


async def _counts(conn: Connection) -> dict[str, int]:
    return {table: int(await conn.fetchval(f"SELECT count(*) FROM {table}")) for table in TABLES}


async def copy_sqlite_to_postgres(source: DatabaseUrl, destination: DatabaseUrl) -> list[Copied]:
    """Copy ``source`` (SQLite) into ``destination`` (PostgreSQL, empty); return the rows counted on both sides.

    Raises:
        CopyError: the source does not exist, the destination is not empty, or the counts differ.
        SchemaError: either database is newer than this code.
        StoreError: either database cannot be opened or reached.
    """
    if not source.path.is_file():
        raise CopyError(f"no SQLite database at {source.path}")
    store = SQLiteStore(source.path)
    await store.open()
    try:
        read = await store.call(lambda db: in_transaction(db, "DEFERRED", _read, commit=False))
    finally:
        await store.close()
    async with connect_once(destination) as conn, conn.transaction():
        await apply_migrations(conn)
        found = {table: count for table, count in (await _counts(conn)).items() if count}
        if found:
            listed = ", ".join(f"{table} {count}" for table, count in found.items())
            raise CopyError(
                f"{destination.shown} is not empty ({listed} rows); copy only into an empty database, "
                "so that nothing is mixed or overwritten"
            )
        for table, columns in TABLES.items():
            if read.rows[table]:
                await conn.copy_records_to_table(table, records=read.rows[table], columns=columns)
        if read.last_poll_id:
            await conn.execute("SELECT setval(pg_get_serial_sequence('polls', 'id'), $1)", read.last_poll_id)
        copied = [Copied(table, read.counts[table], count) for table, count in (await _counts(conn)).items()]
        if any(c.source != c.destination for c in copied):
            raise CopyError("the row counts differ after the copy; nothing was written: " + _describe(copied))
    return copied


def _describe(copied: list[Copied]) -> str:
    return ", ".join(f"{c.table} {c.source}->{c.destination}" for c in copied)
