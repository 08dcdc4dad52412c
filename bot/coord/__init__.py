"""Coordination between bot processes: the Redis backend of :mod:`bot.core.coordination`, chosen by ``REDIS_URL``.

Only this package imports ``redis`` (ruff's banned-api rule keeps it out of the rest), and only when ``REDIS_URL``
is set: without it a process coordinates with nobody, exactly as a single process always has.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import Clock
from bot.core.coordination import Coordination, LocalCoordination
from bot.settings import Settings


def coordination_for(settings: Settings, clock: Clock) -> Coordination:
    """Redis-backed coordination when ``REDIS_URL`` is set, else the per-process one."""
    limit, window = settings.rate_limit_commands, timedelta(seconds=settings.rate_limit_window_seconds)
    if settings.redis_url is None:
        return LocalCoordination(clock, limit, window)
    from bot.coord.redis_coordination import RedisCoordination  # redis is imported only when it is used

    url = settings.redis_url.get_secret_value()
    return RedisCoordination(url, clock=clock, limit=limit, window=window, prefix=settings.redis_key_prefix)
