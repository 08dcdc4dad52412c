"""Stopping a bot started by a benchmark: as an operator would (SIGTERM), then for sure (SIGKILL)."""

from __future__ import annotations

import asyncio
import signal

STOP_WITHIN = 15.0
"""Seconds a bot gets to stop on SIGTERM before it is killed."""


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM ``process``, and SIGKILL it if it has not ended within :data:`STOP_WITHIN` seconds."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_WITHIN)
    except TimeoutError:
        process.kill()
        await process.wait()
