"""A bot process on PostgreSQL and Redis while they go away: Redis stopped for 10 s, then PostgreSQL restarted.

Both are reached through TCP proxies the test controls (stopping a proxy closes every connection, as a server
going down does). Members keep voting throughout. ``/readyz`` tells the load balancer what is going on: Redis
away is reported but leaves the process ready (it limits and redraws on its own meanwhile); PostgreSQL away makes
it unready. When each is back the bot uses it again, and every vote it said was in is in the database.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.adapters.slack.sender import SignedSender
from tests.ops.scrape import get
from tests.proxy import TcpProxy
from tests.scale.cluster import free_port, listening, started, voters, wait_until
from tests.scale.conftest import SharedRedis

REDIS_AWAY = 10.0
POSTGRES_AWAY = 3.0
RECORDED = "is in."


def through(proxy: TcpProxy, url: str) -> str:
    """``url`` (its user, database and query kept) pointed at ``proxy``."""
    parts = urlsplit(url)
    auth = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{auth + '@' if auth else ''}127.0.0.1:{proxy.port}"))


async def readiness(ops: str) -> tuple[int, dict[str, Any]]:
    status, _, body = await get(f"{ops}/readyz")
    return status, json.loads(body)


async def readiness_until(ops: str, condition: Callable[[int, dict[str, str]], bool], within: float = 15.0) -> bool:
    """Ask ``/readyz`` every half second until ``condition(status, checks)`` holds; ``False`` after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        status, verdict = await readiness(ops)
        if condition(status, verdict["checks"]):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.5)


async def test_redis_away_then_postgres_restarted_readyz_says_so_the_bot_recovers_and_loses_nothing(
    tmp_path: Path, shared_database: str, shared_redis: SharedRedis
) -> None:
    fake = await FakeSlack().start()
    postgres, redis = TcpProxy(shared_database), TcpProxy(shared_redis.url)
    await postgres.start()
    await redis.start()
    port, ops_port = free_port(), free_port()
    ops = f"http://127.0.0.1:{ops_port}"
    settings = {
        "DATABASE_URL": through(postgres, shared_database),
        "REDIS_URL": through(redis, shared_redis.url),
        "REDIS_KEY_PREFIX": shared_redis.prefix,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_BASE_URL": fake.base_url,
        "SLACK_HTTP_PORT": str(port),
        "OPS_PORT": str(ops_port),
        "RATE_LIMIT_COMMANDS": "1000000",
    }
    sender = SignedSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
    try:
        async with started("bot", settings, tmp_path) as bot:
            await listening(bot, port)
            assert await wait_until(lambda: fake.calls_to("auth.test"), 30)
            status, verdict = await readiness(ops)
            assert (status, verdict["checks"].get("redis"), verdict["checks"]["database"]) == (200, "ok", "ok")

            _, url = fake.new_response_url()
            await sender.command(
                payloads.slash_command("/poll", "Who wins? | Yes | No", user="UHOST", response_url=url)
            )
            assert await wait_until(lambda: fake.calls_to("chat.postMessage"), 10)
            (_, ts), message = next(iter(fake.messages.items()))
            action = next(e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
            poll_id = int(action.split(":")[1])
            said: dict[str, str] = {}
            """What each member's confirmation said."""

            async def vote(user: str) -> None:
                key, response_url = fake.new_response_url("actions")
                await sender.interaction(
                    payloads.button_press(action, user=user, message_ts=ts, response_url=response_url)
                )
                if await wait_until(lambda: fake.answers(key), 10):
                    said[user] = json.dumps(fake.answers(key)[0])

            async def votes_for(seconds: float, tag: str) -> None:
                end, n = time.monotonic() + seconds, 0
                while time.monotonic() < end:
                    await vote(f"U{tag}{n:04d}")
                    n += 1
                    await asyncio.sleep(0.2)

            await votes_for(1.0, "BEFORE")

            await redis.stop()  # Redis stopped for 10 s
            await votes_for(REDIS_AWAY / 2, "NOREDIS")
            status, verdict = await readiness(ops)
            assert status == 200, "without Redis each process serves alone: still ready"
            assert verdict["checks"]["redis"] != "ok"
            await votes_for(REDIS_AWAY / 2, "NOREDIS2")
            await redis.start()
            assert await readiness_until(ops, lambda status, checks: checks["redis"] == "ok"), "Redis used again"

            await postgres.stop()  # PostgreSQL restarted: every connection cut, none for a while
            await votes_for(POSTGRES_AWAY / 2, "NOPG")
            status, verdict = await readiness(ops)
            assert status == 503, "without its database the process must not take traffic"
            assert verdict["checks"]["database"] != "ok"
            await votes_for(POSTGRES_AWAY / 2, "NOPG2")
            await postgres.start()
            assert await readiness_until(ops, lambda status, checks: status == 200), "ready once PostgreSQL is back"
            await votes_for(1.0, "AFTER")
            bot.check_alive()

            counted = {v.user_id for v in await voters(shared_database, poll_id)}
            recorded = {user for user, text in said.items() if RECORDED in text}
            refused = {user for user, text in said.items() if "cannot reach its database" in text}
            assert recorded - counted == set(), "every vote the bot said was in is in the database"
            assert {u for u in recorded if u.startswith(("UNOREDIS", "UAFTER", "UBEFORE"))}, "votes went on"
            assert any(u.startswith("UNOREDIS") for u in recorded), "no Redis: votes still counted"
            assert any(u.startswith("UAFTER") for u in recorded), "votes counted again after the restart"
            assert refused <= {u for u in said if u.startswith("UNOPG")}, "only votes without PostgreSQL refused"
            assert counted - recorded <= refused, "nothing counted that the member was not told about"
            assert "Traceback" not in bot.output(), bot.output()[-6000:]
    finally:
        await sender.close()
        await redis.stop()
        await postgres.stop()
        await fake.stop()
