"""A fresh PostgreSQL schema per test: created empty, named in the URL's ``search_path``, dropped on exit.

A schema is much cheaper than a database (no template copy, no checkpoint), and a URL such as
``postgresql://…/test?search_path=t_1a2b…`` points every connection of a store, or of a ``debatebot``
subprocess, at it.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (and nothing else) as their ``search_path``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"] + [("search_path", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@asynccontextmanager
async def fresh_schema(server_url: str) -> AsyncIterator[str]:
    """An empty schema on ``server_url``; yields a URL that uses it. Dropped, with everything in it, on exit."""
    schema = f"t_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield with_search_path(server_url, schema)
        finally:
            await admin.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await admin.close()


@contextmanager
def fresh_schema_sync(server_url: str) -> Iterator[str]:
    """:func:`fresh_schema` for tests without an event loop (those that run ``bot.cli.main`` or a subprocess)."""
    schema = f"t_{secrets.token_hex(6)}"
    query(server_url, f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(server_url, schema)
    finally:
        query(server_url, f"DROP SCHEMA {schema} CASCADE")


def query(url: str, sql: str, *args: Any) -> Any:
    """The first value of ``sql``'s first row, on a connection of its own (outside any event loop)."""

    async def run() -> Any:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(run())
