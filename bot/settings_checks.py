"""The value checks behind :mod:`bot.settings`: each raises ``ValueError`` with a reason that never quotes a secret."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from os import PathLike
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

_GRACE = re.compile(r"\s*(?:([0-9]+)h)?\s*(?:([0-9]+)m)?\s*")
MAX_GRACE = timedelta(hours=24)
"""Digests are daily: a longer grace could only ever pick the latest missed day, as 24h does."""


def parse_grace(value: str) -> timedelta:
    """``6h``, ``90m`` or ``1h30m`` as a duration from 0 to :data:`MAX_GRACE`."""
    match = _GRACE.fullmatch(value)
    if not match or not any(match.groups()):
        raise ValueError("expected hours and/or minutes such as 6h, 90m or 1h30m")
    hours, minutes = ((group or "0").lstrip("0") or "0" for group in match.groups())
    too_long = ValueError("at most 24h (digests are daily, so a longer grace changes nothing); for example 6h")
    if len(hours) > 6 or len(minutes) > 6:
        raise too_long
    grace = timedelta(hours=int(hours), minutes=int(minutes))
    if grace > MAX_GRACE:
        raise too_long
    return grace


def parse_id_list(value: str) -> tuple[int, ...]:
    """``123,456``: comma-separated numbers in ASCII digits."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not all(re.fullmatch(r"[0-9]{1,20}", part) for part in parts):
        raise ValueError("expected comma-separated numbers, such as 123456789012345678,234567890123456789")
    return tuple(int(part) for part in parts)


def parse_command_names(value: str) -> dict[str, str]:
    """``poll=/debatepoll,help=/debatehelp``: registry command → Slack slash command."""
    names: dict[str, str] = {}
    for pair in (part.strip() for part in value.split(",") if part.strip()):
        command, sep, slash = pair.partition("=")
        if not sep or not re.fullmatch(r"/[a-z0-9_-]{1,31}", slash.strip()):
            raise ValueError(f"expected command=/slash pairs such as poll=/debatepoll, got {pair!r}")
        names[command.strip()] = slash.strip()
    return names


_REDIS_URL_FORM = (
    "expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], rediss://… (TLS) or unix:///PATH/TO/redis.sock, "
    "for example redis://127.0.0.1:6379/0"
)


def check_redis_url(value: str) -> str:
    """A URL redis-py can connect to; the reason never quotes it (it may hold a password)."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError(f"not a valid URL (a port that is not a number?); {_REDIS_URL_FORM}") from None
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError(_REDIS_URL_FORM)
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError("unix:// needs the socket's path, such as unix:///run/redis/redis.sock")
        return value
    if not parts.hostname:
        raise ValueError(f"no host; {_REDIS_URL_FORM}")
    if port == 0:
        raise ValueError("the port must be from 1 to 65535 (Redis listens on 6379 by default)")
    if parts.path not in ("", "/") and not parts.path[1:].isdigit():
        raise ValueError("the path is the database number, such as /0")
    return value


def redis_passwords(url: str) -> tuple[str, ...]:
    """The password in a Redis URL (``redis://:PASSWORD@host`` or ``?password=``), as written and decoded."""
    parts = urlsplit(url)
    written = parts.password or next(iter(parse_qs(parts.query).get("password", [])), "")
    return tuple(dict.fromkeys(p for p in (written, unquote(written)) if p))


def _describe(char: str) -> str:
    if char in "\r\n":
        return "a line break"
    if char == "\t":
        return "a tab"
    if char.isspace():
        return "a space"
    if unicodedata.category(char) in ("Cc", "Cf"):
        return f"a control character (U+{ord(char):04X})"
    return "a character that is not plain ASCII (typographic quotes or dashes?)"


def check_secret(value: str) -> str:
    """A token or secret is one line of printable ASCII without spaces; the reason never quotes it."""
    for index, char in enumerate(value, start=1):
        if not "!" <= char <= "~":
            raise ValueError(
                f"contains {_describe(char)} at character {index} of {len(value)}; a token is one line of "
                "letters, digits and punctuation without spaces: copy it again (in .env, without quotes)"
            )
    return value


def check_plain_text(value: str) -> str:
    """Refuse a control character (a line break, ESC, NUL…) in a path, URL or id setting."""
    for index, char in enumerate(value, start=1):
        if unicodedata.category(char) == "Cc":
            raise ValueError(f"contains {_describe(char)} at character {index}; remove it")
    return value


def env_file_problem(env_files: object) -> str | None:
    """Why one of the ``.env`` files cannot be read (not UTF-8, unreadable), or ``None`` if they all can."""
    for path in _paths(env_files):
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            return f"{path}: cannot be read ({exc.strerror or exc}); check its permissions"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            return (
                f"{path}: the byte at offset {exc.start} (line {line}, column {column}) is not UTF-8; "
                "save the file as UTF-8 (it was probably written as Latin-1 or Windows-1252)"
            )
    return None


def _paths(env_files: object) -> Iterable[Path]:
    if env_files is None:
        return []
    if isinstance(env_files, str | PathLike):
        return [Path(env_files)]
    if isinstance(env_files, Iterable):
        return [Path(item) for item in env_files if isinstance(item, str | PathLike)]
    return []
