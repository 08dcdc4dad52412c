"""One Redis client for the shared rate limit and redraw tokens, and whether Redis is there right now.

Every call is bounded by a short timeout, so a Redis that is down or hangs costs a request at most that long,
once: the first failure marks Redis away (one warning) and from then on the callers work alone at no cost, without
touching the network, while a background probe pings Redis every few seconds; when it answers, one info line,
and the callers share again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

TIMEOUT = 0.5
"""Seconds one Redis call may take, connecting included, before Redis counts as away (a vote must not wait)."""
PROBE_EVERY = 2.0
"""Seconds between two pings while Redis is away."""
MAX_CONNECTIONS = 32
"""Connections per process; a burst's calls wait for a free one (each call holds it for well under a millisecond)."""


class RedisAway(Exception):
    """Redis did not answer in time, or is known to be away: work alone for now."""


def describe(url: str) -> str:
    """Where ``url`` points, without credentials: ``host:port/db`` or the socket path."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or '/0'}"


class RedisLink:
    """The client (a bounded pool, no retries: the caller's fallback is the retry), the key prefix, and ``up``."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "debatebot:",
        timeout: float = TIMEOUT,
        probe_every: float = PROBE_EVERY,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.prefix = prefix
        self.where = describe(url)
        self.timeout = timeout
        self.probe_every = probe_every
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
        )
        self.client = Redis.from_pool(pool)
        self.up = True
        """Redis answered the last call (or has not been asked yet); ``False`` while it is away."""
        self._probe: asyncio.Task[None] | None = None
        self._abandoned: set[asyncio.Future[Any]] = set()

    def key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(part) for part in parts)

    def script(self, lua: str) -> AsyncScript:
        return self.client.register_script(lua)

    async def run(self, script: AsyncScript, keys: Sequence[str], args: Sequence[str | int | float]) -> object:
        """Run ``script``. Raises :class:`RedisAway` at once while Redis is away, or when this call fails."""
        if not self.up:
            raise RedisAway
        try:
            return await self._bounded(script(keys=keys, args=args))
        except (RedisError, OSError, TimeoutError) as exc:
            self.went_away(exc)
            raise RedisAway from exc

    async def _bounded(self, call: Awaitable[T]) -> T:
        """``call``'s result, or ``TimeoutError`` after :attr:`timeout` seconds, whatever ``call`` does then.

        Not ``asyncio.timeout`` around redis-py's own timeouts: with calls queued for a pooled connection, some took
        two timeouts that way (Python 3.11). The call runs as a task of its own that is abandoned (cancelled, and
        awaited on :meth:`close`) once the caller has stopped waiting.
        """
        task = asyncio.ensure_future(call)
        try:
            done, _ = await asyncio.wait((task,), timeout=self.timeout)
        finally:
            if not task.done():
                task.cancel()
                self._abandoned.add(task)
                task.add_done_callback(self._forget)
        if not done:
            raise TimeoutError(f"no answer within {self.timeout:g} s")
        return task.result()

    def _forget(self, task: asyncio.Future[Any]) -> None:
        self._abandoned.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: the caller has long moved on

    def went_away(self, reason: BaseException) -> None:
        """Redis failed a call: say so once, and ping it until it is back."""
        if not self.up:
            return
        self.up = False
        logger.warning(
            "Redis at %s is unreachable (%s): rate limits and poll redraws are per process until it is back",
            self.where,
            _reason(reason),
        )
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._until_back(), name="redis-probe")

    async def _until_back(self) -> None:
        while True:
            await asyncio.sleep(self.probe_every)
            # The pooled connections lead to the Redis that went away (a restart leaves them dead): start afresh,
            # or the first calls after it is back would fail on them and make it look away again.
            with contextlib.suppress(Exception):
                await self._bounded(self.client.connection_pool.disconnect())
            if await self._ping() is None:
                self.up = True
                logger.info("Redis at %s is back: rate limits and poll redraws are shared again", self.where)
                return

    async def _ping(self) -> BaseException | None:
        """``None`` if Redis answers a PING in time, else what went wrong."""
        try:
            await self._bounded(self.client.ping())
        except (RedisError, OSError, TimeoutError) as exc:
            return exc
        return None

    async def start(self) -> None:
        """Ping once, so an unreachable Redis is reported at start-up (the bot starts anyway, on its own)."""
        problem = await self._ping()
        if problem is not None:
            self.went_away(problem)
        else:
            logger.info("rate limits and poll redraws are shared through Redis at %s", self.where)

    async def ready(self) -> bool:
        """Whether Redis answers a PING now (``False`` at once while it is known to be away)."""
        if not self.up:
            return False
        problem = await self._ping()
        if problem is not None:
            self.went_away(problem)
        return problem is None

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None
        await asyncio.gather(*self._abandoned, return_exceptions=True)
        await self.client.aclose()


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
