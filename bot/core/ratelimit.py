"""Per-user sliding-window rate limit (default: 5 requests in 10 seconds)."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from bot.core.clock import Clock


class RateLimiter:
    """Allows ``limit`` requests per ``window`` for each key; remembers only recent requests."""

    def __init__(self, clock: Clock, limit: int = 5, window: timedelta = timedelta(seconds=10)) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may act again; ``0`` if it may act now (and the request is counted)."""
        now = self._clock.now().timestamp()
        horizon = now - self.window.total_seconds()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= horizon:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(0.1, hits[0] - horizon)
        hits.append(now)
        if len(self._hits) > 10_000:
            self._forget_idle(horizon)
        return 0.0

    def _forget_idle(self, horizon: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= horizon]:
            del self._hits[key]
