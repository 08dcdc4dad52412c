"""Coalesced poll-message updates: at most one edit per poll per interval, and the last state always lands.

A burst of 200 votes must not become 200 message edits (the platforms rate-limit them),
but the message must end up showing the final count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.core.reply import PollView

logger = logging.getLogger(__name__)

Update = Callable[[PollView], Awaitable[None]]


class PollRefresher:
    """Schedules ``update(view)`` per poll, coalescing requests that arrive within ``interval`` seconds."""

    def __init__(self, update: Update, interval: float = 2.0, monotonic: Callable[[], float] = time.monotonic):
        self._update = update
        self.interval = interval
        self._monotonic = monotonic
        self._latest: dict[int, PollView] = {}
        self._last_run: dict[int, float] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def request(self, view: PollView) -> None:
        """Ask for the poll's message to show ``view`` (or a newer state) soon."""
        self._latest[view.poll_id] = view
        if view.poll_id not in self._tasks:
            self._tasks[view.poll_id] = asyncio.create_task(
                self._run(view.poll_id), name=f"refresh-poll-{view.poll_id}"
            )

    async def _run(self, poll_id: int) -> None:
        try:
            while poll_id in self._latest:
                wait = self._last_run.get(poll_id, -self.interval) + self.interval - self._monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                view = self._latest.pop(poll_id)
                self._last_run[poll_id] = self._monotonic()
                try:
                    await self._update(view)
                except Exception:
                    logger.exception("could not update the message of poll #%d", poll_id)
        finally:
            self._tasks.pop(poll_id, None)

    async def flush(self) -> None:
        """Wait until every requested update has been sent (used on shutdown and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)
