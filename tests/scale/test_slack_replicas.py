"""Three Slack HTTP replicas on one PostgreSQL database and one Redis act as one bot, through duplicates and a
``kill -9``.

5,000 members press a poll's buttons, spread over three ``debatebot run`` processes (each its own port, as behind
a load balancer); 10 % of the presses are delivered a second time, to another replica; one replica is killed
(``kill -9``) while presses are in flight, and the load balancer sends the rest to the two left. Then:

- every press whose member saw the confirmation is in the database, once (one vote per member);
- the poll's message, redrawn by whichever replicas took votes, ends up showing the database's tally, edited at
  most once per redraw interval over all three (the replicas share redraw tokens through Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.adapters.slack.fake_socket import Answer
from tests.adapters.slack.sender import PooledSender
from tests.scale.cluster import Bot, free_port, listening, started, voters, wait_until
from tests.scale.conftest import SharedRedis

REPLICAS = 3
PRESSES = 5000
TWICE = 10
"""Every TWICE-th press is delivered again, to another replica."""
KILL_AT = 2000
"""The second replica is killed once this many presses have been sent."""
IN_FLIGHT = 60
"""Presses on their way at once, over all replicas (what the load balancer lets through)."""
SETTLE_WITHIN = 60.0
QUIET = 3.0
"""Seconds without a new confirmation after which the presses still unconfirmed are taken as lost with the kill."""
REDRAW_INTERVAL = 2.0
FINAL_DRAW_WITHIN = 30.0


class Replica:
    def __init__(self, bot: Bot, port: int) -> None:
        self.bot = bot
        self.sender = PooledSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, connections=IN_FLIGHT)

    async def deliver(self, payload: dict[str, Any]) -> Answer:
        try:
            return await self.sender.interaction(payload)
        except aiohttp.ClientError:  # killed: the connection was refused or cut
            return Answer(None, None, 0.0)


def tally_shown(message: dict[str, Any]) -> dict[str, int]:
    """Votes per option label, read off the poll message's bars (``█░░  45%  (123)  Label``)."""
    lines = next(b["text"]["text"] for b in message["blocks"] if "(" in b.get("text", {}).get("text", ""))
    return {label: int(votes) for votes, label in re.findall(r"\((\d+)\)\s+(.+)", lines)}


async def settled(confirmed: Callable[[], set[str]], expected: int) -> None:
    """Wait until every press is confirmed, or no new confirmation came for a while (the rest never will)."""
    seen, quiet_since = -1, time.monotonic()
    deadline = time.monotonic() + SETTLE_WITHIN
    while time.monotonic() < deadline:
        count = len(confirmed())
        if count == expected:
            return
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since > QUIET:
            return
        await asyncio.sleep(0.1)


async def test_three_replicas_count_every_answered_press_once_through_duplicates_and_a_kill(
    tmp_path: Path, shared_database: str, shared_redis: SharedRedis
) -> None:
    fake = await FakeSlack().start()
    ports = [free_port() for _ in range(REPLICAS)]
    try:
        async with contextlib.AsyncExitStack() as stack:
            bots = []
            for n, port in enumerate(ports, start=1):
                settings = {
                    "DATABASE_URL": shared_database,
                    **shared_redis.settings(),
                    "SLACK_BOT_TOKEN": BOT_TOKEN,
                    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "SLACK_API_BASE_URL": fake.base_url,
                    "SLACK_HTTP_PORT": str(port),
                    "RATE_LIMIT_COMMANDS": "1000000",
                }
                bots.append(await stack.enter_async_context(started(f"replica-{n}", settings, tmp_path)))
            for bot, port in zip(bots, ports, strict=True):
                await listening(bot, port)
            replicas = [Replica(bot, port) for bot, port in zip(bots, ports, strict=True)]
            for replica in replicas:
                stack.push_async_callback(replica.sender.close)

            _, url = fake.new_response_url()
            await replicas[0].sender.command(
                payloads.slash_command("/poll", "Who wins? | Yes | No", user="UHOST", response_url=url)
            )
            await fake.wait_for(lambda: fake.calls_to("chat.postMessage"), within=10)
            (channel, ts), message = next(iter(fake.messages.items()))
            buttons = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
            votes = [action for action in buttons if action.startswith("vote:")]
            poll_id = int(votes[0].split(":")[1])

            gate = asyncio.Semaphore(IN_FLIGHT)
            keys: dict[str, tuple[str, str]] = {}
            """Each member's response_url key → (member, the option pressed)."""

            async def press(number: int) -> None:
                user, action = f"U{number:05d}", votes[number % len(votes)]
                key, response_url = fake.new_response_url("actions")
                keys[key] = (user, action.split(":")[2])
                payload = payloads.button_press(action, user=user, message_ts=ts, response_url=response_url)
                live = [r for r in replicas if r.bot.alive]
                first = live[number % len(live)]
                async with gate:
                    await first.deliver(payload)
                if number % TWICE == 0:
                    again = [r for r in replicas if r.bot.alive and r is not first] or live
                    async with gate:
                        await again[number % len(again)].deliver(payload)

            tasks = []
            for number in range(PRESSES):
                if number == KILL_AT:
                    replicas[1].bot.kill()
                tasks.append(asyncio.create_task(press(number)))
                if number % IN_FLIGHT == 0:
                    await asyncio.sleep(0)  # let the presses out as they are made, not all at the end
            await asyncio.gather(*tasks)
            await replicas[1].bot.process.wait()

            def confirmed() -> set[str]:
                return {posted.key for posted in fake.posted if posted.key in keys}

            await settled(confirmed, len(keys))
            for bot in (bots[0], bots[2]):
                bot.check_alive()

            counted = {v.user_id: v.option_key for v in await voters(shared_database, poll_id)}
            answered = {keys[k] for k in confirmed()}
            assert PRESSES * 0.5 < len(answered) < PRESSES, (
                "most presses were confirmed; those in flight at the kill not"
            )
            missing = [(user, option) for user, option in answered if counted.get(user) != option]
            assert missing == [], f"{len(missing)} confirmed presses not in the database"
            assert len(counted) == len({user for user, _ in keys.values()} & counted.keys())
            options = {"1": "Yes", "2": "No"}
            in_db = {label: 0 for label in options.values()}
            for option in counted.values():
                in_db[options[option]] += 1
            # The last redraw may wait for a redraw token the killed replica held to lapse (interval + draw timeout).
            await wait_until(lambda: tally_shown(fake.messages[(channel, ts)]) == in_db, FINAL_DRAW_WITHIN)
            assert tally_shown(fake.messages[(channel, ts)]) == in_db, "the poll message shows the final tally"
            edits = [call.at for call in fake.calls_to("chat.update") if call.params.get("ts") == ts]
            gaps = [later - earlier for earlier, later in itertools.pairwise(edits)]
            assert len(edits) > 1
            assert min(gaps) > REDRAW_INTERVAL * 0.9, "one edit per interval over all three replicas"
    finally:
        await fake.stop()
