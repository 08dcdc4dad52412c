"""The coordination port: what several bot processes must agree on, and how one process does it alone.

Two things are shared when the bot runs as several processes: the per-user rate limit (a user's commands count in
every process) and each poll's redraw token (at most one message edit per poll per interval across the processes,
the final state always drawn). :mod:`bot.coord` implements both on Redis (``REDIS_URL``); the classes here are what
a single process uses, and what the Redis ones fall back to while Redis is away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.ratelimit import RateLimiter


class RateLimit(Protocol):
    """A per-key rate limit: ``limit`` requests per ``window``."""

    limit: int
    window: timedelta

    async def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may act again; ``0`` if it may act now (and the request is counted)."""
        ...


@dataclass(frozen=True, slots=True)
class RedrawTurn:
    """The answer to "may this process redraw the poll now?"."""

    go: bool
    """This process holds the poll's redraw token: read the poll fresh and draw it now."""
    wait: float = 0.0
    """Not ``go``: another process holds the token; ask again (:meth:`RedrawTokens.retry`) after this many seconds."""
    shown: str | None = None
    """When ``go``: the fingerprint of the view the last finished draw showed, in any process; ``None`` if unknown."""
    ticket: object = None
    """The backend's own record of the change this turn stands for; the redrawer only hands it back."""


GO = RedrawTurn(go=True)
"""The turn of a process that draws on its own."""


class RedrawTokens(Protocol):
    """Per poll, who may redraw its message now, so that processes sharing a poll edit it at most once per interval.

    A change is registered (:meth:`request`) after it is committed. A process whose turn is ``go`` reads the poll
    fresh, draws it and reports (:meth:`done`); the others wait and :meth:`retry` until either they get the token
    or a draw that started after their change was registered has finished. So the final state is always drawn,
    even when the process holding the token dies: its token lapses and a waiting process takes over.
    """

    async def request(self, poll_id: int, interval: float) -> RedrawTurn:
        """Register a change to the poll (already committed) and ask to draw it now."""
        ...

    async def retry(self, poll_id: int, turn: RedrawTurn, interval: float) -> RedrawTurn | None:
        """Ask again after ``turn.wait``: ``None`` if a draw that shows the turn's change has finished meanwhile."""
        ...

    async def done(self, poll_id: int, turn: RedrawTurn, shown: str | None, *, edited: bool) -> None:
        """The ``go`` turn's draw is over: the message shows the view ``shown`` fingerprints (``None``: unknown,
        the change is not drawn); ``edited``: the message was edited (or an edit was tried), which uses the
        interval; otherwise the token is free again at once."""
        ...


class Coordination(Protocol):
    """The rate limit and the redraw tokens a process uses, with their lifecycle."""

    rate_limit: RateLimit
    redraw_tokens: RedrawTokens

    async def start(self) -> None:
        """Connect, if there is anything to connect to (never raises: an unreachable backend means working alone)."""
        ...

    async def close(self) -> None: ...

    async def ready(self) -> bool:
        """Whether the shared backend answers now (for a readiness check); always ``True`` when there is none."""
        ...


class LocalRateLimit:
    """The per-process :class:`~bot.core.ratelimit.RateLimiter` behind the :class:`RateLimit` port."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.limit = limiter.limit
        self.window = limiter.window

    async def retry_after(self, key: str) -> float:
        return self.limiter.retry_after(key)


class LocalRedrawTokens:
    """A process alone: it may always draw (the redrawer spaces its own redraws of a poll by the interval)."""

    async def request(self, poll_id: int, interval: float) -> RedrawTurn:
        return GO

    async def retry(self, poll_id: int, turn: RedrawTurn, interval: float) -> RedrawTurn | None:
        return GO

    async def done(self, poll_id: int, turn: RedrawTurn, shown: str | None, *, edited: bool) -> None:
        return None


class LocalCoordination:
    """One process on its own: the in-memory rate limit and redraw spacing, as without ``REDIS_URL``."""

    def __init__(self, clock: Clock, limit: int = 5, window: timedelta = timedelta(seconds=10)) -> None:
        self.rate_limit: RateLimit = LocalRateLimit(RateLimiter(clock, limit, window))
        self.redraw_tokens: RedrawTokens = LocalRedrawTokens()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ready(self) -> bool:
        return True
