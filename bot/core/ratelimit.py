"""Per-user sliding-window rate limit (default: 5 requests in 10 seconds)."""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import timedelta

from bot.core.clock import Clock


class RateLimiter:
    """Allows ``limit`` requests per ``window`` for each key; remembers only keys active within the window.

    Keys are kept in the order they last asked, so the idle ones are at the front and forgetting them
    costs nothing per request: a burst of 10,000 distinct users does not make each request scan the others.
    """

    def __init__(self, clock: Clock, limit: int = 5, window: timedelta = timedelta(seconds=10)) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        """Each key's request times within the window, keys ordered by when they last asked (an ``OrderedDict``:
        a plain dict emptied from the front leaves holes that every look at its first key walks over)."""

    def __len__(self) -> int:
        """How many keys are remembered (those that asked within the window, and no others for long)."""
        return len(self._hits)

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may act again; ``0`` if it may act now (and the request is counted)."""
        now = self._clock.now().timestamp()
        horizon = now - self.window.total_seconds()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        else:
            self._hits.move_to_end(key)  # the most recent asker
        while hits and hits[0] <= horizon:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(0.1, hits[0] - horizon)
        hits.append(now)
        self._forget_idle(horizon)
        return 0.0

    def _forget_idle(self, horizon: float) -> None:
        """Drop the keys at the front whose last request left the window (stopping at the first active one)."""
        while self._hits:
            _, last = next(iter(self._hits.items()))
            if last and last[-1] > horizon:
                return
            self._hits.popitem(last=False)
