"""``debatebot run``: every adapter whose credentials are set, in one process, sharing one core and database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.adapters.base import Adapter, AdapterFatal
from bot.app import App
from bot.settings import Settings

logger = logging.getLogger(__name__)


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


async def serve(adapters: list[Adapter]) -> None:
    """Run the adapters until SIGINT/SIGTERM or until one fails fatally (then stop the others and re-raise)."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stopping.set)
    tasks = [asyncio.create_task(adapter.run(), name=f"adapter-{adapter.name}") for adapter in adapters]
    stop_wait = asyncio.create_task(stopping.wait())
    try:
        done, _ = await asyncio.wait([*tasks, stop_wait], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stop_wait and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        stop_wait.cancel()
        for adapter in adapters:
            with contextlib.suppress(Exception):
                await adapter.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


__all__ = ["AdapterFatal", "configured_adapters", "serve"]
