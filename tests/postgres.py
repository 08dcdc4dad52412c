"""A fresh PostgreSQL schema per test: created empty, named in the URL's ``search_path``, dropped on exit.

A schema is much cheaper than a database (no template copy, no checkpoint), and a URL such as
``postgresql://…/test?search_path=t_1a2b…`` points every connection of a store, or of a ``debatebot``
subprocess, at it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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
