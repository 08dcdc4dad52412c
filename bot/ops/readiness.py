"""What ``GET /readyz`` asks: named checks, each saying why the process should not take traffic now, or nothing.

The app registers the database; ``debatebot run`` adds each chat adapter (connected or not) and the shutdown
(once it has begun, the process is no longer ready). Redis, when ``REDIS_URL`` is set, is an *advisory* check:
reported, but it does not make the process unready, because without Redis each process serves alone (taking
every process out of the load balancer because Redis went away would turn a degraded service into none).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.coordination import Coordination
from bot.core.ports import Store
from bot.logredact import redact

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0
"""Seconds a check may take before it counts as failed (a load balancer's probe gives up after a few seconds)."""
READY_META_KEY = "ops.readyz"

Check = Callable[[], Awaitable[str | None]]
"""A readiness check: ``None`` when ready, else a short reason. Raising counts as not ready."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of every check: ``problems`` maps each failed check's name to its reason."""

    checks: tuple[str, ...]
    problems: dict[str, str]
    advisory: frozenset[str] = frozenset()
    """Checks whose problems are reported but do not make the process unready."""

    @property
    def ready(self) -> bool:
        return not (self.problems.keys() - self.advisory)


class Readiness:
    """The checks behind ``/readyz``, run together at each request."""

    def __init__(self, *, timeout: float = CHECK_TIMEOUT) -> None:
        self.timeout = timeout
        self._checks: dict[str, Check] = {}
        self._advisory: set[str] = set()

    def add(self, name: str, check: Check, *, advisory: bool = False) -> None:
        """Add (or replace) the check called ``name``; an ``advisory`` one is reported but never makes it unready."""
        self._checks[name] = check
        if advisory:
            self._advisory.add(name)
        else:
            self._advisory.discard(name)

    def add_flag(self, name: str, is_ready: Callable[[], bool], reason: str = "not connected") -> None:
        """Add a check that only reads a flag, such as an adapter's :meth:`~bot.adapters.base.Adapter.is_ready`."""

        async def check() -> str | None:
            return None if is_ready() else reason

        self.add(name, check)

    def remove(self, name: str) -> None:
        self._checks.pop(name, None)

    async def verdict(self) -> Verdict:
        names = tuple(self._checks)
        reasons = await asyncio.gather(*(self._run(name, self._checks[name]) for name in names))
        problems = {name: reason for name, reason in zip(names, reasons, strict=True) if reason}
        return Verdict(names, problems, frozenset(self._advisory))

    async def _run(self, name: str, check: Check) -> str | None:
        try:
            async with asyncio.timeout(self.timeout):
                return await check()
        except TimeoutError:
            return f"no answer within {self.timeout:g} s"
        except Exception as exc:
            logger.debug("readiness check %s failed", name, exc_info=True)
            return redact(f"{type(exc).__name__}: {exc}")[:200]


def redis_check(coordination: Coordination) -> Check:
    """Redis answers (the rate limit and redraw tokens are shared); else each process is on its own."""

    async def check() -> str | None:
        return None if await coordination.ready() else "not answering: each process limits and redraws on its own"

    return check


def database_check(store: Store) -> Check:
    """The database answers a trivial query (one read of the ``meta`` table, through the store's own port)."""

    async def check() -> str | None:
        await store.get_meta(key=READY_META_KEY)
        return None

    return check
