"""The answers in flight, so that an adapter's shutdown can wait for them, give up on them, and end them in time.

Each answer (a Discord interaction, a Slack listener after its ``ack()``) runs in a task of its own, tracked with
:meth:`InFlight.track`. Shutdown takes no new work (a request that arrives is answered :data:`RESTARTING`), lets
the answers in flight finish for a grace period, then asks the ones still waiting for the core to give up (each
says :data:`RESTARTING` where its answer would have gone, or in place of Discord's "thinking…"), and finally
cancels anything still talking to the platform, before the HTTP session and the database close under it.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

from bot.core.redraw import Redrawer

logger = logging.getLogger(__name__)

T = TypeVar("T")

SHUTDOWN_GRACE = 2.0
"""Seconds shutdown lets the core finish the answers in flight."""
SEND_WAIT = 2.0
"""Seconds shutdown then allows for the last answers to reach the platform (and half as long for cancelled ones)."""
LATE_WAIT = 1.0
"""Seconds shutdown allows, once disconnected, for the requests that came during it to be told the bot is restarting."""
DRAIN_WAIT = 10.0
"""Seconds the adapter's ``drain`` waits for the answers in flight."""
RESTARTING = "The bot is restarting; please try again in a minute."


class InFlight:
    """Listener tasks answering a request, tracked with :meth:`track`."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False
        """Set at shutdown: new requests are told the bot is restarting instead of being worked on."""
        self.gave_up = asyncio.Event()
        """Set when shutdown stops waiting for the core."""
        self._in_core: set[asyncio.Task[Any]] = set()
        self._abandoned: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        """Count the current task as in flight until the block ends (nested blocks: until the outermost ends)."""
        current = asyncio.current_task()
        added = current is not None and current not in self.tasks
        if current is not None:
            self.tasks.add(current)
        try:
            yield
        finally:
            if added and current is not None:
                self.tasks.discard(current)

    async def wait(self, seconds: float) -> None:
        """Wait until nothing is in flight (including work that started meanwhile), at most ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.tasks and (left := deadline - loop.time()) > 0:
            await asyncio.wait(set(self.tasks), timeout=left)

    async def outcome(self, work: Awaitable[T]) -> T | None:
        """What ``work`` (the core's answer) returns, run in this task; ``None`` if shutdown gives up on it first,
        in which case it has been cancelled. Exceptions from ``work`` are raised here.

        Run in the caller's task, not a task of its own: under a burst every extra task costs a turn of a
        crowded event loop. Shutdown gives up by cancelling the tasks still in here (see :meth:`give_up`).
        """
        task = asyncio.current_task()
        if task is None or self.gave_up.is_set():
            if inspect.iscoroutine(work):
                work.close()
            return None
        self._in_core.add(task)
        try:
            return await work
        except asyncio.CancelledError:
            if task not in self._abandoned:
                raise
            task.uncancel()
            return None
        finally:
            self._in_core.discard(task)
            self._abandoned.discard(task)

    def give_up(self) -> None:
        """Stop waiting for the core: the work in :meth:`outcome` is cancelled, and its callers say so."""
        self.gave_up.set()
        for task in self._in_core - self._abandoned:
            self._abandoned.add(task)
            task.cancel()

    async def shutdown(self, grace: float = SHUTDOWN_GRACE, send_wait: float = SEND_WAIT) -> None:
        """Stop taking work, wait ``grace`` seconds, give up on the core, then end what is left."""
        self.stopping = True
        await self.wait(grace)
        if self.tasks:
            logger.info(
                "shutting down: answers still waiting for the core: %d; they say the bot is restarting", len(self.tasks)
            )
            self.give_up()
            await self.wait(send_wait)
        await self.cancel_left(send_wait / 2)

    async def cancel_left(self, seconds: float) -> None:
        """Cancel whatever is still in flight (an answer the platform did not take in time); wait ``seconds`` for it."""
        self.stopping = True
        self.give_up()
        if self.tasks:
            logger.warning("shutting down: answers not sent in time, cancelled: %d", len(self.tasks))
            for task in list(self.tasks):
                task.cancel()
            await self.wait(seconds)

    async def finish_late(self, seconds: float = LATE_WAIT) -> None:
        """Once disconnected: let the requests that came during shutdown be answered, then end what is left."""
        await self.wait(seconds)
        await self.cancel_left(seconds / 2)


REDRAW_WAIT = 3.0
"""Seconds shutdown allows for the pending poll redraws (one redraw interval and a request)."""


async def flush_redraws(redrawer: Redrawer, platform: str, seconds: float = REDRAW_WAIT) -> None:
    """Send the pending poll redraws; those the platform has not taken within ``seconds`` are cancelled."""
    try:
        async with asyncio.timeout(seconds):
            await redrawer.flush()
    except TimeoutError:
        logger.warning("shutting down: %s did not take the last poll-message updates in time", platform)
