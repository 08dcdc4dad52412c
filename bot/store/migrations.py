"""Numbered SQL migrations: the SQLite ones, tracked with ``PRAGMA user_version``, and the loader both backends use."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from bot.core.ports import StoreError
from bot.store.schema import SchemaError, SchemaState

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(folder_name: str = "migrations") -> list[Migration]:
    """The migration files shipped in ``bot/store/<folder_name>``, in order, numbered 1, 2, 3… without gaps."""
    folder = resources.files("bot.store") / folder_name
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations are not numbered 1..N: {[m.name for m in found]}")
    return found


def split_statements(sql: str) -> list[str]:
    """Split a migration script into complete statements (``sqlite3.complete_statement`` decides)."""
    statements, pending = [], ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip() and not all(part.strip().startswith("--") for part in pending.splitlines() if part.strip()):
        raise StoreError(f"incomplete SQL statement at the end of a migration: {pending.strip()[:60]!r}")
    return statements


def sqlite_version(db: sqlite3.Connection) -> int:
    row = db.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite3.Connection, migrations: list[Migration] | None = None) -> int:
    """Apply every migration newer than the database; return the resulting version.

    Each migration runs in its own ``BEGIN IMMEDIATE`` transaction and re-reads the
    version inside it, so two processes opening a new database at once apply it once.

    Raises:
        StoreError: if the database was written by a newer debatebot.
    """
    migrations = load_migrations() if migrations is None else migrations
    latest = migrations[-1].version if migrations else 0
    current = sqlite_version(db)
    if current > latest:
        raise SchemaError(SchemaState(current, latest), other="file")
    for migration in migrations:
        if migration.version <= current:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            current = sqlite_version(db)
            if migration.version <= current:
                db.execute("ROLLBACK")
                continue
            logger.info("applying migration %s", migration.name)
            for statement in split_statements(migration.sql):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {migration.version:d}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        current = migration.version
    return current
