"""Acknowledge first, answer after: under a burst, the work behind each request waits for the acks.

Slack gives every request 3 seconds to be acknowledged, and bolt answers the HTTP request (or the
Socket Mode envelope) only once ``ack()`` has been called. What follows the ack (the vote, the
confirmation, the poll's redraw) has no such deadline. Left to the event loop's first-come order,
a burst of a thousand presses interleaves each press's follow-up work with the acks of the presses
still arriving, and the last acks come late. So bolt's requests are watched from the moment bolt
takes one until it has its ack, and a listener's work after ``ack()`` waits until the requests have
gone quiet: none waiting for its ack and none arriving for :data:`QUIET` seconds. It waits
:data:`PATIENCE` seconds at most, so a steady stream cannot starve it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

QUIET = 0.1
"""Seconds without a new request after which a burst is taken to be over (under load the loop reads the socket
in spurts, so a short gap does not mean the burst is over)."""
TURNS = 5
"""Turns of the event loop a request takes from the socket to this middleware (read, queue, task, dispatch)."""
PATIENCE = 5.0
"""Longest a listener's work waits for the acks around it: a burst of 3,000 presses is acknowledged within
Slack's 3 s, then answered; answers have no deadline (a ``response_url`` lasts 30 minutes)."""


class AckFirst(AsyncMiddleware):
    def __init__(self, quiet: float = QUIET, patience: float = PATIENCE) -> None:
        self.quiet = quiet
        self.patience = patience
        self.waiting = 0
        """Requests taken by bolt and not yet acknowledged."""
        self.arrivals = 0
        """Requests taken by bolt so far."""
        self._calm = asyncio.Event()
        self._calm.set()
        self._watcher: asyncio.Task[None] | None = None

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Bolt middleware (a class, so bolt calls it without inspecting arguments on every request): counts the
        request until bolt has its ack (``next()`` returns then)."""
        self.waiting += 1
        self.arrivals += 1
        if self._calm.is_set():
            self._calm.clear()
            self._watcher = asyncio.create_task(self._watch(), name="slack-ack-first")
        try:
            return await next()
        finally:
            self.waiting -= 1

    async def _watch(self) -> None:
        """One watcher per burst (not one timer per waiting listener): opens the gate once it is quiet, which is
        judged in turns of the event loop as well as in time: under load the loop is busy for longer than
        :attr:`quiet` and reads the socket only between turns, so requests may be waiting there unseen."""
        while True:
            seen = self.arrivals
            await asyncio.sleep(self.quiet)
            for _ in range(TURNS):  # let the transport read what came meanwhile and hand it to bolt
                await asyncio.sleep(0)
            if not self.waiting and self.arrivals == seen:
                break
        self._calm.set()

    async def turn(self) -> None:
        """Wait (at most :attr:`patience` seconds) until the requests around this one have been acknowledged."""
        if self._calm.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.patience):
                await self._calm.wait()

    async def close(self) -> None:
        """Open the gate for good (shutting down: what waits must finish, or say the bot is restarting)."""
        self.patience = 0.0
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
        self._calm.set()
