"""``DATABASE_URL``: which backend it names, where, and how to show it without its password.

Two kinds are understood: ``sqlite:///PATH`` (a file; the folder is created) and
``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?setting=value…]`` (``postgres://`` too). Query
parameters of a PostgreSQL URL are passed to the server as session settings (``?search_path=bot``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")
DEFAULT_PORT = 5432


class Backend(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgresql"


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed ``DATABASE_URL``; :attr:`shown` is safe to print and log."""

    url: str
    backend: Backend

    @property
    def path(self) -> Path:
        """The SQLite file (only for ``sqlite:///`` URLs)."""
        if self.backend is not Backend.SQLITE:
            raise ValueError("not a SQLite URL")
        return Path(self.url.removeprefix(SQLITE_PREFIX))

    @property
    def password(self) -> str | None:
        if self.backend is not Backend.POSTGRES:
            return None
        password = urlsplit(self.url).password
        return unquote(password) if password else None

    @property
    def address(self) -> str:
        """``host:port`` of a PostgreSQL server (the path of a SQLite file)."""
        if self.backend is Backend.SQLITE:
            return str(self.path)
        parts = urlsplit(self.url)
        return f"{parts.hostname or 'localhost'}:{parts.port or DEFAULT_PORT}"

    @property
    def shown(self) -> str:
        """The URL without its password: the path for SQLite, ``postgresql://user@host:port/db`` otherwise."""
        if self.backend is Backend.SQLITE:
            return str(self.path)
        return without_password(self.url)


def without_password(url: str) -> str:
    """``url`` with the password (if any) taken out of its user part."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=user + host))


def parse_database_url(url: str) -> DatabaseUrl:
    """Check ``url`` and say which backend it names.

    Raises:
        ValueError: with a reason that never quotes the password.
    """
    if url.startswith(SQLITE_PREFIX):
        if not url.removeprefix(SQLITE_PREFIX):
            raise ValueError("sqlite:/// needs a file path after it")
        return DatabaseUrl(url, Backend.SQLITE)
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme in POSTGRES_SCHEMES:
        try:
            urlsplit(url).port  # noqa: B018 (raises ValueError on a port that is not a number)
        except ValueError:
            raise ValueError("a PostgreSQL URL looks like postgresql://USER:PASSWORD@HOST:5432/DATABASE") from None
        return DatabaseUrl(url, Backend.POSTGRES)
    raise ValueError(
        "use sqlite:///PATH (for example sqlite:///data/debatebot.db) or postgresql://USER:PASSWORD@HOST:5432/DATABASE"
    )
