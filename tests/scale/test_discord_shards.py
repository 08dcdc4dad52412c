"""Discord shards split over three processes on one PostgreSQL database (and one Redis): 5,000 clicks spread over
the three, 10 % delivered twice, one process ``kill -9``-ed mid-way and started again.

The bot is in three guilds, one on each shard (Discord sends a guild's events to shard
``(guild_id >> 22) % shard_count``, and so does the fake), with a poll in each. Members click the polls' buttons in
waves, the same number in each guild, so every process takes a third of the clicks; every tenth click is delivered
a second time (the same interaction, as after a gateway resume). Then every click that was answered is in the
database, once; each poll's message shows the database's tally; the commands were synced once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import Actor, FakeDiscord, Interaction, Message, buttons
from tests.adapters.discord.fake_gateway import shard_of
from tests.scale.cluster import Bot, started, voters, wait_until
from tests.scale.conftest import SharedRedis

SHARDS = 3
CLICKS = 5000
WAVE = 250
TWICE = 10
"""Every TWICE-th click is delivered again (the same interaction, as after a resume)."""
KILL_AT = 2000
"""The process running :data:`KILLED`'s shard is killed once this many clicks were sent, then started again."""
KILLED = 1
CREATOR = Actor(100_000_000_000_000_001, "Alice")
MEMBERS = 300_000_000_000_000_000
TOKEN = "shard-token-Zm9vYmFy.c2VjcmV0"


@dataclass
class Guild:
    id: int
    poll: Message
    custom_ids: list[str]

    @property
    def poll_id(self) -> int:
        return int(self.custom_ids[0].split(":")[1])


def one_guild_per_shard() -> list[int]:
    """The test guild and two more, so that each of the :data:`SHARDS` shards has one."""
    guilds = [p.GUILD_ID + (k << 22) for k in range(SHARDS)]
    assert sorted(shard_of(g, SHARDS) for g in guilds) == list(range(SHARDS))
    return guilds


async def send_clicks(fake: FakeDiscord, guilds: list[Guild], first: int) -> list[tuple[Interaction, Guild, int]]:
    """A wave of clicks by distinct members, spread over the guilds' polls; every TWICE-th sent twice."""
    sent = []
    frames: dict[int, list[str]] = {}
    for n in range(first, first + WAVE):
        guild = guilds[n % len(guilds)]
        click = Interaction(
            id=next(fake._ids),
            token=f"itoken-{next(fake._ids)}",
            kind=3,
            sent_at=time.monotonic(),
            guild_id=guild.id,
            channel_id=fake.guilds[guild.id],
        )
        fake.interactions[click.id] = click
        data = {"custom_id": guild.custom_ids[n % len(guild.custom_ids)], "component_type": 2}
        member = Actor(MEMBERS + n, f"Member {n}").member()
        event = p.interaction(
            click.id, click.token, 3, data, member, guild.poll.json(), guild_id=guild.id, channel_id=click.channel_id
        )
        frames.setdefault(guild.id, []).extend([json.dumps(event)] * (2 if n % TWICE == 0 else 1))
        sent.append((click, guild, n))
    for guild_id, events in frames.items():
        session = fake._guild_session(guild_id)
        for frame in events:
            session.seq += 1
            await session.ws.send_str(f'{{"op": 0, "t": "INTERACTION_CREATE", "s": {session.seq}, "d": {frame}}}')
    return sent


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
    guild_ids = one_guild_per_shard()
    for guild_id in guild_ids[1:]:
        fake.add_guild(guild_id)
    async with fake, contextlib.AsyncExitStack() as stack:

        async def start(shard: int, name: str) -> Bot:
            settings = {
                **fake.env(),
                "DATABASE_URL": shared_database,
                **shared_redis.settings(),
                "DISCORD_SHARD_COUNT": str(SHARDS),
                "DISCORD_SHARD_IDS": str(shard),
                "RATE_LIMIT_COMMANDS": "1000000",
            }
            bot = await stack.enter_async_context(started(name, settings, tmp_path))
            deadline = time.monotonic() + 60
            while not any(s.shard == (shard, SHARDS) and s.connected.is_set() for s in fake.sessions.values()):
                bot.check_alive()
                assert time.monotonic() < deadline, f"{name} did not connect:\n{bot.output()}"
                await asyncio.sleep(0.1)
            return bot

        bots = {shard: await start(shard, f"shard-{shard}") for shard in range(SHARDS)}
        assert await wait_until(lambda: fake.command_puts, 30), "shard 0's process syncs the commands"
        guilds = []
        for guild_id in guild_ids:
            poll = await fake.answer(
                await fake.slash_in(guild_id, "poll", CREATOR, question="Who wins?", options="Yes | No")
            )
            guilds.append(
                Guild(guild_id, poll, [b["custom_id"] for b in buttons(poll) if b["custom_id"].startswith("vote:")])
            )
        assert len({g.poll_id for g in guilds}) == SHARDS

        sent: list[tuple[Interaction, Guild, int]] = []
        for first in range(0, CLICKS, WAVE):
            wave = await send_clicks(fake, guilds, first)
            sent += wave
            if first == KILL_AT:
                await asyncio.sleep(0.05)  # some of the wave is being answered
                bots[KILLED].kill()
                await bots[KILLED].process.wait()
                bots[KILLED] = await start(KILLED, f"shard-{KILLED}-restarted")
                continue
            await settle([click for click, _, _ in wave])
        await settle([click for click, _, _ in sent])

        answered = [(click, guild, n) for click, guild, n in sent if any(s == 200 for s, _, _ in click.callbacks)]
        assert CLICKS * 0.8 < len(answered) < CLICKS, "the clicks in flight at the kill went unanswered"
        for guild in guilds:
            counted = {v.user_id: v.option_key for v in await voters(shared_database, guild.poll_id)}
            mine = [n for _, g, n in answered if g is guild]
            assert len(mine) > CLICKS / SHARDS * 0.6, "every process took its share"
            missing = [n for n in mine if str(MEMBERS + n) not in counted]
            assert missing == [], f"guild {guild.id}: {len(missing)} answered clicks are not in the database"
            labels = {"1": "Yes", "2": "No"}
            in_db = {label: 0 for label in labels.values()}
            for option in counted.values():
                in_db[labels[option]] += 1
            message = fake.messages[guild.poll.id]
            await wait_until(lambda: tally_shown(message) == in_db, 30)  # noqa: B023 (awaited here, in this turn)
            assert tally_shown(message) == in_db, f"guild {guild.id}: the message shows the tally"
        assert [scope for scope, _ in fake.command_puts] == ["global"], "commands synced once, by shard 0's process"
        for bot in bots.values():
            bot.check_alive()
