"""The per-user rate limit shared by every process: a sliding window log in Redis, checked and counted atomically.

The same rule as :class:`~bot.core.ratelimit.RateLimiter`: at most ``limit`` requests in any ``window``; a refused
request is not counted; the answer is the seconds until the oldest counted request leaves the window. Times come
from the injected clock (the processes' clocks are assumed to agree within a few milliseconds); the key's expiry
only clears away the keys of users who stopped asking. While Redis is away, a per-process limiter decides.
"""

from __future__ import annotations

import itertools
import math
import uuid
from datetime import timedelta

from bot.coord.redis_link import RedisAway, RedisLink
from bot.core.clock import Clock
from bot.core.ratelimit import RateLimiter

SLIDING_WINDOW = """
-- KEYS[1]: one key's counted requests, a sorted set scored by time in ms.
-- ARGV: now (ms), window (ms), limit, a unique member for this request, the key's expiry (whole ms).
local horizon = tonumber(ARGV[1]) - tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', horizon)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) - horizon)
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return '0'
"""


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

    async def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may act again; ``0`` if it may act now (and the request is counted everywhere)."""
        if not self._link.up:
            return self._alone.retry_after(key)
        now_ms = self._clock.now().timestamp() * 1000
        args = (repr(now_ms), repr(self._window_ms), self.limit, f"{self._member}{next(self._requests)}")
        try:
            answer = await self._link.run(
                self._script, [self._link.key("rate", key)], (*args, math.ceil(self._window_ms))
            )
        except RedisAway:
            return self._alone.retry_after(key)
        wait = float(str(answer)) / 1000
        return 0.0 if wait <= 0 else max(0.1, wait)
