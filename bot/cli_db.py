"""``debatebot db upgrade|check|copy``: the schema is migrated once per deploy, by an operator, not by every process.

Exit status as for every command (see :mod:`bot.cli`): 0 done (``check``: the schema is current); 1 the
command failed (``check``: the schema is behind or newer; ``copy``: refused or failed, nothing written);
2 an argument or setting is wrong.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.core.ports import StoreError
from bot.settings import Settings
from bot.store.factory import schema_state, upgrade_schema
from bot.store.pg_copy import copy_sqlite_to_postgres
from bot.store.urls import Backend, DatabaseUrl, parse_database_url


def add_db_parser(sub: Any) -> None:
    """The ``db`` command and its three subcommands, on the CLI's subparsers."""
    db = sub.add_parser("db", help="the database schema: check it, upgrade it, copy SQLite into PostgreSQL")
    commands = db.add_subparsers(dest="db_command", required=True)
    commands.add_parser("upgrade", help="migrate DATABASE_URL's schema to this version's (once per deploy)")
    commands.add_parser("check", help="exit 0 if DATABASE_URL's schema is current, 1 if it is behind or newer")
    copy = commands.add_parser("copy", help="copy every row of a SQLite database into an empty PostgreSQL one")
    copy.add_argument("source", metavar="SRC", help="sqlite:///PATH")
    copy.add_argument("destination", metavar="DST", help="postgresql://USER:PASSWORD@HOST:5432/DATABASE (empty)")


async def run_db(args: argparse.Namespace, settings: Settings) -> int:
    if args.db_command == "copy":
        return await _copy(args.source, args.destination)
    database = settings.database
    if args.db_command == "upgrade":
        before = await upgrade_schema(database)
        if before.is_current:
            print(f"{database.shown}: schema already current (version {before.latest})")
        else:
            print(f"{database.shown}: schema upgraded from version {before.current} to {before.latest}")
        return 0
    state = await schema_state(database)
    other = "file" if database.backend is Backend.SQLITE else "database"
    print(f"{database.shown}: {state.describe(other=other)}", file=sys.stdout if state.is_current else sys.stderr)
    return 0 if state.is_current else 1


async def _copy(source_url: str, destination_url: str) -> int:
    source = _url(source_url, Backend.SQLITE, "SRC", "sqlite:///PATH")
    destination = _url(destination_url, Backend.POSTGRES, "DST", "postgresql://USER:PASSWORD@HOST:5432/DATABASE")
    if source is None or destination is None:
        return 2
    try:
        copied = await copy_sqlite_to_postgres(source, destination)
    except StoreError as exc:  # about SRC or DST, not DATABASE_URL: say so here rather than in bot.cli
        print(f"debatebot: db copy: {exc}", file=sys.stderr)
        return 1
    print(f"copied {source.shown} into {destination.shown}; rows per table:")
    width = max(len(c.table) for c in copied)
    print(f"  {'table':<{width}}  {'sqlite':>8}  {'postgresql':>10}")
    for c in copied:
        print(f"  {c.table:<{width}}  {c.source:>8}  {c.destination:>10}")
    return 0


def _url(url: str, backend: Backend, name: str, example: str) -> DatabaseUrl | None:
    try:
        database = parse_database_url(url)
    except ValueError as exc:
        print(f"debatebot: db copy: {name}: {exc}", file=sys.stderr)
        return None
    if database.backend is not backend:
        print(f"debatebot: db copy: {name} must be a {backend.value} URL ({example})", file=sys.stderr)
        return None
    return database
