"""Discord shards split over three processes on one PostgreSQL database (and one Redis): one of them syncs the
commands, and a ``kill -9`` of the one running the busy guild's shard loses no answered click.

The fake Discord routes a guild's events to the session that runs its shard, ``(guild_id >> 22) % shard_count``,
as Discord does. Members click a poll's buttons in waves; 10 % of the clicks are delivered twice (as after a
gateway resume). The process running the guild's shard is killed mid-way and started again, and the clicking
goes on. Then every click that was answered is in the database, once; the poll's message shows the database's
tally, and the commands were synced once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from pathlib import Path

from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import Actor, FakeDiscord, Interaction, Message, buttons
from tests.scale.cluster import Bot, started, voters, wait_until
from tests.scale.conftest import SharedRedis

SHARDS = 3
CLICKS = 1500
WAVE = 100
TWICE = 10
"""Every TWICE-th click is delivered again (the same interaction, as after a resume)."""
KILL_AT = 600
CREATOR = Actor(100_000_000_000_000_001, "Alice")
MEMBERS = 300_000_000_000_000_000
TOKEN = "shard-token-Zm9vYmFy.c2VjcmV0"
OWNER = (p.GUILD_ID >> 22) % SHARDS
"""The shard (and so the process) that receives the test guild's events."""


async def send_clicks(fake: FakeDiscord, message: Message, custom_ids: list[str], first: int) -> list[Interaction]:
    """A wave of clicks by distinct members, each ``custom_ids[n % len]``; every TWICE-th sent twice."""
    session = fake._guild_session()
    shown = message.json()
    clicks, frames = [], []
    for n in range(first, first + WAVE):
        click = Interaction(id=next(fake._ids), token=f"itoken-{next(fake._ids)}", kind=3, sent_at=time.monotonic())
        fake.interactions[click.id] = click
        data = {"custom_id": custom_ids[n % len(custom_ids)], "component_type": 2}
        event = p.interaction(click.id, click.token, 3, data, Actor(MEMBERS + n, f"Member {n}").member(), shown)
        frames.extend([event, event] if n % TWICE == 0 else [event])
        clicks.append(click)
    for event in frames:
        session.seq += 1
        await session.ws.send_str(json.dumps({"op": 0, "t": "INTERACTION_CREATE", "s": session.seq, "d": event}))
    return clicks


def tally_shown(message: Message) -> dict[str, int]:
    """Votes per option label, read off the poll embed (``**1. Yes**\\n`███` 45% · 1,234 votes``)."""
    description = message.embeds[0]["description"]
    found = re.findall(r"\*\*\d+\. (.+?)\*\*\n`[^`]*` \d+% · ([\d,]+) votes?", description)
    return {label: int(votes.replace(",", "")) for label, votes in found}


async def settle(clicks: list[Interaction], within: float = 30.0) -> None:
    """Until every click has had an answer attempt (a vote's answer needs no deferral, so that is the answer)."""
    await wait_until(lambda: all(c.callbacks for c in clicks), within)


async def test_three_shard_processes_lose_no_answered_click_through_duplicates_and_a_kill(
    tmp_path: Path, shared_database: str, shared_redis: SharedRedis
) -> None:
    fake = FakeDiscord(token=TOKEN)
    async with fake, contextlib.AsyncExitStack() as stack:

        def settings(shard: int) -> dict[str, str]:
            return {
                **fake.env(),
                "DATABASE_URL": shared_database,
                **shared_redis.settings(),
                "DISCORD_SHARD_COUNT": str(SHARDS),
                "DISCORD_SHARD_IDS": str(shard),
                "RATE_LIMIT_COMMANDS": "1000000",
            }

        async def start(shard: int, name: str) -> Bot:
            bot = await stack.enter_async_context(started(name, settings(shard), tmp_path))
            deadline = time.monotonic() + 60
            while not any(s.shard == (shard, SHARDS) and s.connected.is_set() for s in fake.sessions.values()):
                bot.check_alive()
                assert time.monotonic() < deadline, f"{name} did not connect:\n{bot.output()}"
                await asyncio.sleep(0.1)
            return bot

        bots = {shard: await start(shard, f"shard-{shard}") for shard in range(SHARDS)}
        assert await wait_until(lambda: fake.command_puts, 30), "shard 0's process syncs the commands"
        poll = await fake.answer(await fake.slash("poll", CREATOR, question="Who wins?", options="Yes | No"))
        custom_ids = [b["custom_id"] for b in buttons(poll) if b["custom_id"].startswith("vote:")]
        poll_id = int(custom_ids[0].split(":")[1])

        clicks: list[Interaction] = []
        for first in range(0, CLICKS, WAVE):
            if first == KILL_AT:
                in_flight = await send_clicks(fake, poll, custom_ids, first)
                clicks += in_flight
                await asyncio.sleep(0.05)  # some of the wave is being answered
                bots[OWNER].kill()
                await bots[OWNER].process.wait()
                bots[OWNER] = await start(OWNER, f"shard-{OWNER}-restarted")
                continue
            clicks += await send_clicks(fake, poll, custom_ids, first)
            await settle(clicks[-WAVE:])
        await settle(clicks)

        answered = [c for c in clicks if any(status == 200 for status, _, _ in c.callbacks)]
        counted = {v.user_id: v.option_key for v in await voters(shared_database, poll_id)}
        assert CLICKS * 0.8 < len(answered) < CLICKS, "the clicks in flight at the kill went unanswered"
        number = {c.id: n for n, c in enumerate(clicks)}
        missing = [c.id for c in answered if str(MEMBERS + number[c.id]) not in counted]
        assert missing == [], f"{len(missing)} answered clicks are not in the database"
        labels = {"1": "Yes", "2": "No"}
        in_db = {label: 0 for label in labels.values()}
        for option in counted.values():
            in_db[labels[option]] += 1
        await wait_until(lambda: tally_shown(fake.messages[poll.id]) == in_db, 30)  # the last redraw
        assert tally_shown(fake.messages[poll.id]) == in_db, "the poll message shows the database's tally"
        assert [scope for scope, _ in fake.command_puts] == ["global"], "commands synced once, by shard 0's process"
        for bot in bots.values():
            bot.check_alive()
