"""One bot process against two, on PostgreSQL (and Redis): the same burst of Slack poll presses, split between them.

This is the scaling figure the scale-out issue asks ``make bench`` to report, with no target: the two processes
share this machine's 2 cores with PostgreSQL, Redis and the load generator (the fake Slack, in this process), so
a second process can only show what is left of the machine, not what a second machine would add. Each process is
a Slack HTTP replica on its own port; the presses go to them in turn, at most :data:`IN_FLIGHT` at once, as a load
balancer would send them. Throughput counts presses whose member saw the confirmation; CPU is each process's own,
from ``/proc``.

Needs the PostgreSQL at ``BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``) and the
Redis at ``BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); without them this part says so and is skipped.

    python -m bench.scale_out
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.report import Report, percentile
from bot.store.factory import store_at
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.adapters.slack.sender import PooledSender
from tests.postgres import fresh_schema
from tests.scale.cluster import Bot, free_port, listening, started, wait_until

PRESSES = 3000
IN_FLIGHT = 100
SETTLE_WITHIN = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1.0):
            return True
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Result:
    processes: int
    confirmed: int
    seconds: float
    acks: list[float]
    confirmations: list[float]
    cpu: list[float]
    """Each process's CPU seconds during the burst."""

    def describe(self) -> str:
        per_vote = sum(self.cpu) * 1000 / max(1, self.confirmed)
        return (
            f"{self.processes} process{'es' if self.processes > 1 else ''}: {self.confirmed}/{PRESSES} confirmed in "
            f"{self.seconds:.2f} s = {self.confirmed / self.seconds:,.0f} votes/s; ack p50 "
            f"{statistics.median(self.acks) * 1000:.0f} ms, p99 {percentile(self.acks, 0.99) * 1000:.0f} ms; "
            f"confirmation p50 {statistics.median(self.confirmations) * 1000:.0f} ms, p99 "
            f"{percentile(self.confirmations, 0.99) * 1000:.0f} ms; CPU per process "
            f"{', '.join(f'{c:.2f} s' for c in self.cpu)}; CPU per vote {per_vote:.2f} ms (all processes)"
        )


async def burst(processes: int, database_url: str, redis_url: str, folder: Path) -> Result:
    fake = await FakeSlack().start()
    ports = [free_port() for _ in range(processes)]
    prefix = f"debatebot-bench-{uuid.uuid4().hex[:8]}:"
    try:
        async with contextlib.AsyncExitStack() as stack:
            bots: list[Bot] = []
            for n, port in enumerate(ports, start=1):
                settings = {
                    "DATABASE_URL": database_url,
                    "REDIS_URL": redis_url,
                    "REDIS_KEY_PREFIX": prefix,
                    "SLACK_BOT_TOKEN": BOT_TOKEN,
                    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "SLACK_API_BASE_URL": fake.base_url,
                    "SLACK_HTTP_PORT": str(port),
                    "RATE_LIMIT_COMMANDS": "1000000",
                }
                bots.append(await stack.enter_async_context(started(f"{processes}-{n}", settings, folder)))
            for bot, port in zip(bots, ports, strict=True):
                await listening(bot, port)
            senders = [
                PooledSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, connections=IN_FLIGHT, timeout=30)
                for port in ports
            ]
            for sender in senders:
                stack.push_async_callback(sender.close)
            _, url = fake.new_response_url()
            await senders[0].command(
                payloads.slash_command("/poll", "Who wins? | Yes | No", user="UHOST", response_url=url)
            )
            await wait_until(lambda: fake.calls_to("chat.postMessage"), 10)
            (_, ts), message = next(iter(fake.messages.items()))
            action = next(e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])

            gate = asyncio.Semaphore(IN_FLIGHT)
            started_at: dict[str, float] = {}
            acks: list[float] = []

            async def press(n: int) -> None:
                key, response_url = fake.new_response_url("actions")
                payload = payloads.button_press(action, user=f"U{n:05d}", message_ts=ts, response_url=response_url)
                async with gate:
                    started_at[key] = time.monotonic()
                    answer = await senders[n % processes].interaction(payload)
                    acks.append(answer.seconds)

            cpu_before = [cpu_seconds(bot.process.pid) for bot in bots]
            begin = time.monotonic()
            await asyncio.gather(*(press(n) for n in range(PRESSES)))
            await wait_until(lambda: len({p.key for p in fake.posted} & started_at.keys()) >= PRESSES, SETTLE_WITHIN)
            loop_now = asyncio.get_running_loop().time() - time.monotonic()  # fake.posted times are loop times
            arrived: dict[str, float] = {}
            for posted in fake.posted:
                arrived.setdefault(posted.key, posted.at - loop_now)
            confirmations = [arrived[k] - started_at[k] for k in started_at if k in arrived]
            end = max(arrived[k] for k in started_at if k in arrived)
            cpu = [cpu_seconds(bot.process.pid) - before for bot, before in zip(bots, cpu_before, strict=True)]
            return Result(processes, len(confirmations), end - begin, acks, confirmations, cpu)
    finally:
        await fake.stop()


async def run(report: Report) -> None:
    report.section(f"Scale-out: {PRESSES:,} Slack presses on one bot process vs two, on PostgreSQL and Redis")
    database = os.environ.get("BENCH_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    redis = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/0"
    missing = [name for name, url in (("PostgreSQL", database), ("Redis", redis)) if not reachable(url)]
    if missing:
        report.info(f"skipped: {' and '.join(missing)} not reachable (set BENCH_DATABASE_URL / BENCH_REDIS_URL)")
        return
    report.info(
        "no target: on this 2-core machine both processes share the cores with PostgreSQL, Redis and the load "
        "generator, so two processes show what is left of one machine, not what a second machine adds"
    )
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        for processes in (1, 2):
            async with fresh_schema(database) as url:
                store = store_at(url, upgrade=True)
                await store.open()
                await store.close()
                result = await burst(processes, url, redis, Path(folder))
            report.info(result.describe())


def main() -> None:
    asyncio.run(run(Report()))


if __name__ == "__main__":
    main()
