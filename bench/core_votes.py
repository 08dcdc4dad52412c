"""Votes through ``core.handle`` and the SQLite store, against raw ``sqlite3`` on the same schema and pragmas.

The baseline is what SQLite itself does on this machine in this run: one upsert and one commit per
vote, from a plain ``sqlite3`` connection with the store's pragmas (WAL, ``synchronous = NORMAL``,
``busy_timeout``, foreign keys). Targets (issue 10): 1,000 concurrent votes through the core reach at
least half the baseline's per-vote throughput, and one vote alone takes at most 5 × the baseline's
single upsert-and-commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.report import Report, summary_ms
from bot.app import App, build_app
from bot.core.actions import Action
from bot.core.inbound import action_request, line_request
from bot.core.request import User
from bot.runner import settle_heap
from bot.settings import Settings
from bot.store.sqlite import BUSY_TIMEOUT_MS, to_db

VOTES = 1000
ROUNDS = 7
"""Each target is the median of this many per-round ratios (a shared 2-core VM's speed drifts by ±40 %)."""
QUESTIONS = [
    "who thinks open source is the real winner?",
    "what does wang say about data",
    "export controls on chips",
    "what's the weather in paris",
]
PLATFORM, WORKSPACE, CHANNEL = "bench", "w", "c"


def raw_connection(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def raw_votes(path: Path, poll_id: int, users: list[str]) -> list[float]:
    """One upsert and one commit per vote, as fast as SQLite goes; the latency of each."""
    db = raw_connection(path)
    now = to_db(datetime.now(UTC))
    latencies = []
    try:
        for user in users:
            start = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO votes (poll_id, user_id, slot, option_key, cast_at) VALUES (?, ?, '', 'usa', ?)"
                " ON CONFLICT (poll_id, user_id, slot) DO UPDATE SET option_key = excluded.option_key,"
                " cast_at = excluded.cast_at",
                (poll_id, user, now),
            )
            db.execute("COMMIT")
            latencies.append(time.perf_counter() - start)
    finally:
        db.close()
    return latencies


async def new_poll(app: App) -> int:
    request = line_request(
        app.core.registry,
        "/poll whos-losing",
        platform=PLATFORM,
        workspace=WORKSPACE,
        channel=CHANNEL,
        user=User(id="host"),
    )
    poll = (await app.core.handle(request)).poll
    assert poll is not None
    return poll.poll_id


async def vote(app: App, poll_id: int, user: str) -> float:
    request = action_request(
        Action.vote(poll_id, "usa"), platform=PLATFORM, workspace=WORKSPACE, channel=CHANNEL, user=User(id=user)
    )
    start = time.perf_counter()
    answer = await app.core.handle(request)
    elapsed = time.perf_counter() - start
    assert not answer.error, answer.fallback
    return elapsed


async def raw_round(app: App, path: Path, round_: int) -> tuple[float, float]:
    """Raw sqlite3: votes per second, and the median latency of one upsert-and-commit."""
    poll_id = await new_poll(app)
    users = [f"r{round_}-{n}" for n in range(VOTES)]
    start = time.perf_counter()
    latencies = await asyncio.to_thread(raw_votes, path, poll_id, users)
    return VOTES / (time.perf_counter() - start), statistics.median(latencies)


async def core_round(app: App, round_: int) -> tuple[float, float, list[float]]:
    """Through the core: votes per second in a burst of concurrent votes, the median latency of one vote alone,
    and the burst's answer latencies."""
    poll_id = await new_poll(app)
    start = time.perf_counter()
    burst = await asyncio.gather(*(vote(app, poll_id, f"c{round_}-{n}") for n in range(VOTES)))
    rate = VOTES / (time.perf_counter() - start)
    tally = await app.store.tally(poll_id=poll_id)
    assert tally.total_votes == VOTES, tally
    poll_id = await new_poll(app)
    alone = []
    for n in range(200):  # each vote in a turn of its own, as separate requests arrive
        await asyncio.sleep(0)
        alone.append(await vote(app, poll_id, f"s{round_}-{n}"))
    return rate, statistics.median(alone), burst


async def run(report: Report) -> None:
    report.section("Votes: core + SQLite store vs raw sqlite3 (same schema, pragmas, machine, run)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        settings = Settings(_env_file=None, database_url=f"sqlite:///{path}", rate_limit_commands=1_000_000)
        app = build_app(settings)
        await app.start()
        settle_heap()  # as `debatebot run` does
        try:
            await answer_times(app, report)
            rate_ratios, latency_ratios = [], []
            for round_ in range(ROUNDS):  # raw and core back to back, in alternating order: a shared VM's speed drifts
                if round_ % 2 == 0:
                    raw_rate, raw_single = await raw_round(app, path, round_)
                    core_rate, core_single, burst = await core_round(app, round_)
                else:
                    core_rate, core_single, burst = await core_round(app, round_)
                    raw_rate, raw_single = await raw_round(app, path, round_)
                rate_ratios.append(core_rate / raw_rate)
                latency_ratios.append(core_single / raw_single)
                report.info(
                    f"round {round_ + 1}: raw {raw_rate:,.0f} votes/s, core burst {core_rate:,.0f} votes/s "
                    f"({rate_ratios[-1]:.0%}; answer latency {summary_ms(burst)}); one vote alone "
                    f"{core_single * 1e6:.0f} µs vs raw {raw_single * 1e6:.0f} µs ({latency_ratios[-1]:.1f}×)"
                )
            report.at_least(
                f"{VOTES:,} concurrent votes through core.handle: throughput vs raw sqlite3 ({ROUNDS} rounds' median)",
                statistics.median(rate_ratios),
                1.0,
                0.5,
            )
            report.at_most(
                f"one vote alone: latency vs raw sqlite3 upsert-and-commit (median of {ROUNDS} rounds)",
                statistics.median(latency_ratios),
                1.0,
                5,
            )
        finally:
            await app.stop()


async def answer_times(app: App, report: Report) -> None:
    """How fast the core answers questions and names (no target: context for the vote figures)."""
    for label, lines in (
        ("/ask (FTS5 search)", [f"/ask {q}" for q in QUESTIONS]),
        ("/whosays (fuzzy name)", ["/whosays lecunn", "/whosays kai-fu", "/whosays elon musk"]),
    ):
        samples = []
        for i in range(300):
            request = line_request(
                app.core.registry,
                lines[i % len(lines)],
                platform=PLATFORM,
                workspace=WORKSPACE,
                channel=CHANNEL,
                user=User(id="u"),
            )
            start = time.perf_counter()
            await app.core.handle(request)
            samples.append(time.perf_counter() - start)
        report.info(f"{label}: {summary_ms(samples)}")


if __name__ == "__main__":
    result = Report()
    asyncio.run(run(result))
    raise SystemExit(1 if result.failed() else 0)
