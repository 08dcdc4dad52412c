"""Tests that need a server (PostgreSQL now, Redis later): one policy for when it is not there.

A missing server skips those tests with one reason, reported from one place, so that pytest's summary
folds them into one line ("SKIPPED [87] tests/services.py:NN: PostgreSQL not reachable at
127.0.0.1:5432 (set TEST_DATABASE_URL)"; ``tests/conftest.py`` calls :func:`fold_service_skips`). On CI
(the environment variable ``CI`` set, as CI services set it) a missing server fails them instead: there
the servers are part of the machine, and a suite that quietly skipped them would pass without testing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

Probe = Callable[[str], str | None]
"""Checks ``url``; returns ``None`` when the server answers, or why it does not."""

_seen: dict[tuple[str, str], str | None] = {}


def on_ci() -> bool:
    """``CI`` is set (to anything but empty, ``0`` or ``false``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def tcp_probe(url: str) -> str | None:
    """The server named by ``url`` accepts a TCP connection within a second."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1.0):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


def require_service(name: str, url: str, probe: Probe = tcp_probe, *, variable: str) -> str:
    """``url`` if the server answers ``probe``; otherwise skip the calling test (fail it on CI).

    The server is probed once per session and URL. ``variable`` is the environment variable that
    names another server, quoted in the message.
    """
    key = (name, url)
    if key not in _seen:
        _seen[key] = probe(url)
    if _seen[key] is None:
        return url
    parts = urlsplit(url)
    reason = f"{name} not reachable at {parts.hostname}:{parts.port} (set {variable})"
    if on_ci():
        pytest.fail(f"{reason}, and CI is set: on CI the {name} tests must run, not be skipped", pytrace=False)
    skip = pytest.skip.Exception(reason)
    skip.missing_service = name  # type: ignore[attr-defined]
    raise skip


def fold_service_skips(call: pytest.CallInfo[None]) -> None:
    """Report the skip of a test for want of a server at the line above, not at the test, so that they fold into
    one summary line: pytest reports a skip raised in a fixture at the test that asked for it, but for a missing
    server the test is not the news, the server is."""
    if call.excinfo is not None and hasattr(call.excinfo.value, "missing_service"):
        call.excinfo.value._use_item_location = False  # type: ignore[attr-defined]


def postgres_url() -> str:
    """The PostgreSQL server for tests: ``TEST_DATABASE_URL``, by default the local one (trust auth)."""
    url = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    return require_service("PostgreSQL", url, variable="TEST_DATABASE_URL")


def redis_url() -> str:
    """The Redis server for tests: ``TEST_REDIS_URL``, by default the local one."""
    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    return require_service("Redis", url, variable="TEST_REDIS_URL")
