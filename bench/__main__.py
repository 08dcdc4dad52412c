"""`make bench`: every speed target, each a ratio against a baseline measured in the same run; exits 1 if one is
missed. ``python -m bench core`` (or discord, slack, crash) runs one part."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from bench import core_votes, crash, discord_clicks, scale_out, slack_clicks
from bench.report import Report

PARTS: dict[str, Callable[[Report], Awaitable[None]]] = {
    "core": core_votes.run,
    "discord": discord_clicks.run,
    "slack": slack_clicks.run,
    "crash": crash.run,
    "scale": scale_out.run,
}


async def main(names: list[str]) -> int:
    report = Report()
    for name in names or list(PARTS):
        await PARTS[name](report)
    print()
    print("every target met" if not report.failed() else f"MISSED: {', '.join(report.missed)}")
    return 1 if report.failed() else 0


if __name__ == "__main__":
    unknown = [name for name in sys.argv[1:] if name not in PARTS]
    if unknown:
        raise SystemExit(f"unknown part {unknown[0]!r}; choose from: {', '.join(PARTS)}")
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
