"""The Redis-backed :class:`~bot.core.coordination.Coordination`: one client, a shared rate limit, redraw tokens."""

from __future__ import annotations

from datetime import timedelta

from bot.coord.redis_link import PROBE_EVERY, TIMEOUT, RedisLink
from bot.coord.redis_ratelimit import RedisRateLimit
from bot.coord.redis_redraw import DRAW_TIMEOUT, RedisRedrawTokens
from bot.core.clock import Clock
from bot.core.coordination import RateLimit, RedrawTokens


class RedisCoordination:
    """What several processes sharing ``url`` agree on; each falls back to working alone while Redis is away.

    ``prefix`` starts every key, so that several deployments (or tests) can share one Redis.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        limit: int = 5,
        window: timedelta = timedelta(seconds=10),
        prefix: str = "debatebot:",
        timeout: float = TIMEOUT,
        probe_every: float = PROBE_EVERY,
        draw_timeout: float = DRAW_TIMEOUT,
    ) -> None:
        self.link = RedisLink(url, prefix=prefix, timeout=timeout, probe_every=probe_every)
        self._rate_limit = RedisRateLimit(self.link, clock, limit, window)
        self.rate_limit: RateLimit = self._rate_limit
        self.redraw_tokens: RedrawTokens = RedisRedrawTokens(self.link, draw_timeout=draw_timeout)

    async def start(self) -> None:
        await self.link.start()

    async def close(self) -> None:
        await self._rate_limit.close()
        await self.link.close()

    async def ready(self) -> bool:
        """Whether Redis answers now: for a readiness report (the bot serves without it, each process alone)."""
        return await self.link.ready()
