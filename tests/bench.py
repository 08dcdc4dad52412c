"""`make bench`: how fast the core answers and how many votes per second the store takes.

Speed targets live here, not in the unit tests. Runs on a temporary SQLite file.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import build_app
from bot.core.actions import vote_action
from bot.core.request import User
from bot.settings import Settings

QUESTIONS = [
    "who thinks open source is the real winner?",
    "what does wang say about data",
    "export controls on chips",
    "what's the weather in paris",
]


def report(name: str, samples: list[float]) -> None:
    samples_ms = sorted(s * 1000 for s in samples)
    p95 = samples_ms[int(len(samples_ms) * 0.95) - 1]
    print(f"{name:<34} n={len(samples):>5}  median {statistics.median(samples_ms):7.3f} ms  p95 {p95:7.3f} ms")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, database_url=f"sqlite:///{Path(folder) / 'bench.db'}", rate_limit_commands=1_000_000
        )
        app = build_app(settings)
        await app.start()
        core = app.core
        where = {"platform": "bench", "workspace": "w", "channel": "c"}
        try:
            for label, lines in (
                ("/ask (FTS5 search)", [f"/ask {q}" for q in QUESTIONS]),
                ("/whosays (fuzzy name)", ["/whosays lecunn", "/whosays kai-fu", "/whosays elon musk"]),
            ):
                samples = []
                for i in range(500):
                    start = time.perf_counter()
                    await core.handle_line(**where, user=User(id="u"), line=lines[i % len(lines)])
                    samples.append(time.perf_counter() - start)
                report(label, samples)

            poll = (await core.handle_line(**where, user=User(id="u"), line="/poll whos-losing")).poll
            assert poll is not None
            voters = 1000
            start = time.perf_counter()
            latencies: list[float] = []

            async def vote(n: int) -> None:
                t0 = time.perf_counter()
                await core.handle_action(**where, user=User(id=f"v{n}"), action_id=vote_action(poll.poll_id, "usa"))
                latencies.append(time.perf_counter() - t0)

            await asyncio.gather(*(vote(n) for n in range(voters)))
            elapsed = time.perf_counter() - start
            tally = await app.store.tally(poll_id=poll.poll_id)
            assert tally.total_votes == voters, tally
            print(f"{voters} concurrent votes: {elapsed:.2f} s, {voters / elapsed:,.0f} votes/s (all stored)")
            report("vote latency under that burst", latencies)
        finally:
            await app.stop()


if __name__ == "__main__":
    asyncio.run(main())
