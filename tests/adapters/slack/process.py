"""``python -m bot run`` as a subprocess against the fake Slack, in a clean environment."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def bot_env(database: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """The developer's own DISCORD_*/SLACK_* and other settings are left out, so only ``extra`` counts."""
    settings = ("DATABASE_URL", "KNOWLEDGE_DIR", "LOG_LEVEL", "RATE_LIMIT_COMMANDS", "RATE_LIMIT_WINDOW_SECONDS")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(("DISCORD_", "SLACK_", "DIGEST_")) and name.upper() not in settings
    }
    env.update(DATABASE_URL=f"sqlite:///{database}", LOG_LEVEL="WARNING", PYTHONUTF8="1", PYTHONPATH=str(REPO))
    env.update(extra)
    return env


@contextlib.asynccontextmanager
async def bot_process(cwd: Path, database: Path, env: Mapping[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start the bot; on leaving, SIGTERM it and wait (killing it if it does not stop within 10 s)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=cwd,
        env=bot_env(database, env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
