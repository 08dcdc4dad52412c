"""The per-user rate limit shared by every process: a sliding window log in Redis, checked and counted atomically.

The same rule as :class:`~bot.core.ratelimit.RateLimiter`: at most ``limit`` requests in any ``window``; a refused
request is not counted; the answer is the seconds until the oldest counted request leaves the window. Times come
from the injected clock (the processes' clocks are assumed to agree within a few milliseconds); the key's expiry
only clears away the keys of users who stopped asking. While Redis is away, a per-process limiter decides.

Requests are checked in batches, as votes are committed: those that arrive while a batch is on its way go together
in the next one, one script call for all (a burst of 1,000 votes is a few round trips, not 1,000; redis-py's
asyncio client manages about 3,000 calls a second on one core, which a burst would turn into a wait longer than
the timeout). The script takes the requests in order, so a batch answers exactly as one call per request would.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import uuid
from datetime import timedelta

from bot.coord.redis_link import RedisAway, RedisLink
from bot.core.clock import Clock
from bot.core.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

SLIDING_WINDOW = """
-- KEYS: for each request in order, its key's counted requests (a sorted set scored by time in ms).
-- ARGV: window (ms), limit, the keys' expiry (whole ms), then for each request its time (ms) and a unique member.
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local waits = {}
for i, key in ipairs(KEYS) do
  local now = tonumber(ARGV[2 + 2 * i])
  local horizon = now - window
  redis.call('ZREMRANGEBYSCORE', key, '-inf', horizon)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    waits[i] = tostring(tonumber(oldest[2]) - horizon)
  else
    redis.call('ZADD', key, now, ARGV[3 + 2 * i])
    redis.call('PEXPIRE', key, ARGV[3])
    waits[i] = '0'
  end
end
return waits
"""
BATCH = 1000
"""At most this many requests in one script call."""


class RedisRateLimit:
    """``limit`` requests per ``window`` for each key, counted across every process that shares the Redis."""

    def __init__(self, link: RedisLink, clock: Clock, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._link = link
        self._clock = clock
        self._script = link.script(SLIDING_WINDOW)
        self._window_ms = window.total_seconds() * 1000
        self._alone = RateLimiter(clock, limit, window)
        """Decides while Redis is away."""
        self._member = f"{uuid.uuid4().hex[:12]}:"
        self._requests = itertools.count()
        self._waiting: list[tuple[str, float, asyncio.Future[float]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may act again; ``0`` if it may act now (and the request is counted everywhere)."""
        if not self._link.up:
            return self._alone.retry_after(key)
        answer: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.append((key, self._clock.now().timestamp() * 1000, answer))
        if self._sender is None:
            self._sender = asyncio.create_task(self._send(), name="redis-rate-limit")
        return await answer

    async def _send(self) -> None:
        """Check the waiting requests, a batch at a time, until none is left; never leave one unanswered."""
        batch: list[tuple[str, float, asyncio.Future[float]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
                try:
                    waits = await self._check(batch)
                except Exception:
                    logger.exception("shared rate limit failed: %d requests checked in this process", len(batch))
                    waits = [self._alone.retry_after(key) for key, _, _ in batch]
                self._answer(batch, waits)
        finally:
            self._sender = None
            left = [request for request in (*batch, *self._waiting) if not request[2].done()]
            self._waiting = []
            self._answer(left, [self._alone.retry_after(key) for key, _, _ in left])

    @staticmethod
    def _answer(batch: list[tuple[str, float, asyncio.Future[float]]], waits: list[float]) -> None:
        for (_, _, answer), wait in zip(batch, waits, strict=True):
            if not answer.done():
                answer.set_result(wait)

    async def _check(self, batch: list[tuple[str, float, asyncio.Future[float]]]) -> list[float]:
        keys = [self._link.key("rate", key) for key, _, _ in batch]
        args: list[str | int | float] = [repr(self._window_ms), self.limit, math.ceil(self._window_ms)]
        for _, now_ms, _ in batch:
            args += (repr(now_ms), f"{self._member}{next(self._requests)}")
        try:
            answer = await self._link.run(self._script, keys, args)
        except RedisAway:
            return [self._alone.retry_after(key) for key, _, _ in batch]
        assert isinstance(answer, list)
        waits = (float(wait) / 1000 for wait in answer)
        return [0.0 if wait <= 0 else max(0.1, wait) for wait in waits]

    async def close(self) -> None:
        """Answer the requests still waiting (there should be none: the adapters have stopped)."""
        if self._sender is not None:
            await asyncio.gather(self._sender, return_exceptions=True)
