"""``debatebot run``: every adapter whose credentials are set, in one process, sharing one core and database.

Shutdown: SIGINT or SIGTERM sets :attr:`StopSignals.requested`. The runner then stops taking new work (the
scheduler first), lets each adapter finish what it has in flight (``adapter.stop()``: deferred answers, the last
poll-message edits), and the caller closes the database. If that takes longer than :data:`SHUTDOWN_GRACE` seconds
the process logs it and exits anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType

from bot.adapters.base import Adapter, AdapterFatal
from bot.app import App
from bot.settings import Settings

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE = 10.0
"""Seconds from SIGINT/SIGTERM to the process exiting, however the shutdown goes."""
EXIT_OVERDUE = 1
"""The exit status when the shutdown did not finish within :data:`SHUTDOWN_GRACE`."""
_SIGNALS = (signal.SIGINT, signal.SIGTERM)

GC_YOUNG_THRESHOLD = 20_000
"""Net allocations between young garbage collections while serving (Python's default is 700)."""


def settle_heap() -> None:
    """Tune the garbage collector for serving bursts; call once, after start-up, before the first request.

    The knowledge base, its indexes and the loaded libraries live as long as the process: frozen, they are
    out of the collector's passes, which would otherwise walk them all in the middle of a burst. And a burst
    keeps thousands of requests in flight, which the default thresholds (700, 10, 10) walk again and again:
    on a 3,000-click Discord burst, 0.9 s of the bot's CPU went to 6 full and 57 middle collections; with
    young collections every 20,000 net allocations the same burst spent 0.27 s in 12 young ones. Cyclic
    garbage is still collected, a little later.
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 10)


def configured_adapters(app: App) -> list[Adapter]:
    """The chat adapters the settings ask for (imported only when configured)."""
    settings: Settings = app.settings
    adapters: list[Adapter] = []
    if settings.discord_token is not None:
        from bot.adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(app))
    if settings.slack_bot_token is not None:
        from bot.adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(app))
    return adapters


def exit_now(status: int = EXIT_OVERDUE) -> None:
    """End the process at once, without waiting for anything (after a last flush of the logs and streams).

    The flush takes locks a stuck thread may hold, so a second timer ends the process a second later regardless.
    """
    backstop = threading.Timer(1.0, os._exit, args=(status,))
    backstop.daemon = True
    backstop.start()
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


class StopSignals:
    """While entered, SIGINT and SIGTERM ask for a graceful stop instead of killing the process.

    The first signal sets :attr:`requested` and starts a watchdog: ``grace`` seconds later the process
    ends (``on_overdue``) even if something is stuck. Later signals change nothing.
    """

    def __init__(self, grace: float = SHUTDOWN_GRACE, on_overdue: Callable[[], None] = exit_now) -> None:
        self.grace = grace
        self.on_overdue = on_overdue
        self.requested = asyncio.Event()
        self.received: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> StopSignals:
        self._loop = asyncio.get_running_loop()
        for sig in _SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                self._loop.add_signal_handler(sig, self.receive, sig)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._loop is not None and not self._loop.is_closed():
            for sig in _SIGNALS:
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    self._loop.remove_signal_handler(sig)

    def receive(self, sig: signal.Signals) -> None:
        if self.received is not None:
            return
        self.received = sig.name
        logger.info("%s received: finishing the work in progress (at most %g s), then exiting", sig.name, self.grace)
        self.requested.set()
        watchdog = threading.Timer(self.grace, self._overdue)
        watchdog.daemon = True
        watchdog.start()

    def _overdue(self) -> None:
        logger.error("shutdown did not finish within %g s after %s; exiting anyway", self.grace, self.received)
        self.on_overdue()


async def serve(
    adapters: list[Adapter], stopping: asyncio.Event, *, before_stop: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Run the adapters until ``stopping`` is set or one fails fatally (then stop the others and re-raise).

    On the way out ``before_stop`` runs first (stop the scheduler: no new work), then every adapter's ``stop()``
    at once, so that each finishes its work in flight.
    """
    tasks = [asyncio.create_task(adapter.run(), name=f"adapter-{adapter.name}") for adapter in adapters]
    stop_wait = asyncio.create_task(stopping.wait(), name="stop-signal")
    try:
        done, _ = await asyncio.wait([*tasks, stop_wait], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stop_wait and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        stop_wait.cancel()
        if before_stop is not None:
            await before_stop()
        await asyncio.gather(*(_stop(adapter) for adapter in adapters))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _stop(adapter: Adapter) -> None:
    try:
        await adapter.stop()
    except Exception as exc:
        logger.warning("%s did not stop cleanly: %s", adapter.name, exc)
        logger.debug("%s stop failure", adapter.name, exc_info=True)


__all__ = ["SHUTDOWN_GRACE", "AdapterFatal", "StopSignals", "configured_adapters", "serve"]
