"""Several ``debatebot run`` processes sharing one database: started, killed (``kill -9``) and stopped by a test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.core.models import Voter
from bot.store.factory import store_at

REPO = Path(__file__).resolve().parents[2]
START_WITHIN = 60.0
STOP_WITHIN = 15.0
OWN_SETTINGS = ("DISCORD_", "SLACK_", "DIGEST_", "DATABASE_", "REDIS_", "OPS_", "LOG_", "RATE_LIMIT_", "KNOWLEDGE_")
"""The developer's own settings with these prefixes are left out: only what the test gives counts."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Bot:
    """One ``debatebot run`` process; its output goes to :attr:`log` (a pipe nobody reads could stall it)."""

    name: str
    process: asyncio.subprocess.Process
    log: Path

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-20000:]

    def check_alive(self) -> None:
        if not self.alive:
            raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.output()}")

    def kill(self) -> None:
        """``kill -9``: no shutdown work at all."""
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_WITHIN)
            except TimeoutError:
                self.process.kill()
        await self.process.wait()


def bot_env(settings: Mapping[str, str]) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.upper().startswith(OWN_SETTINGS)}
    env.update(LOG_LEVEL="WARNING", PYTHONUTF8="1", PYTHONPATH=str(REPO))
    env.update(settings)
    return env


@contextlib.asynccontextmanager
async def started(name: str, settings: Mapping[str, str], folder: Path) -> AsyncIterator[Bot]:
    """``python -m bot run`` with ``settings``; stopped (SIGTERM, then SIGKILL) on leaving, if still running."""
    log = folder / f"{name}.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=folder,
            env=bot_env(settings),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )
    bot = Bot(name, process, log)
    try:
        yield bot
    finally:
        await bot.stop()


async def listening(bot: Bot, port: int, within: float = START_WITHIN) -> None:
    """Wait until ``bot`` accepts connections on ``port``."""
    deadline = time.monotonic() + within
    while True:
        bot.check_alive()
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as exc:
            if time.monotonic() > deadline:
                message = f"{bot.name} did not listen on {port} within {within:g} s:\n{bot.output()}"
                raise AssertionError(message) from exc
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def wait_until(condition: Callable[[], object], within: float, step: float = 0.05) -> bool:
    """Check ``condition`` every ``step`` seconds until it holds (``True``) or ``within`` seconds pass (``False``)."""
    deadline = time.monotonic() + within
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)


async def voters(database_url: str, poll_id: int) -> list[Voter]:
    """Who voted for what in the poll, read from the shared database."""
    store = store_at(database_url)
    await store.open()
    try:
        return await store.voters(poll_id=poll_id)
    finally:
        await store.close()
