"""Fixtures: a fake Discord on loopback, and the real discord.py bot running against it in this process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.client import DebateClient
from bot.app import App, build_app
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.adapters.discord.fake_discord import Actor, FakeDiscord
from tests.adapters.discord.payloads import MANAGER, MEMBER, MODERATOR
from tests.conftest import FakeClock

ALICE = Actor(100_000_000_000_000_001, "Alice")
BOB = Actor(100_000_000_000_000_002, "Bob")
MOD = Actor(100_000_000_000_000_003, "Mod", MODERATOR)
CHANNEL_MANAGER = Actor(100_000_000_000_000_004, "Chan", MANAGER)
assert ALICE.permissions == BOB.permissions == MEMBER


def discord_settings(fake: FakeDiscord, database: Path, **extra: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{database}",
        rate_limit_commands=1000,
        discord_token=fake.token,
        discord_api_base_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        **extra,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@dataclass
class RunningBot:
    app: App
    adapter: DiscordAdapter
    task: asyncio.Task[None]

    @property
    def client(self) -> DebateClient:
        assert self.adapter.client is not None
        return self.adapter.client

    async def settle(self) -> None:
        """Wait for the answers in flight and the pending poll-message edits."""
        await self.client.drain()

    async def stop(self) -> None:
        """Stop the adapter and wait for its run to end (its outcome is the test's business)."""
        await self.adapter.stop()
        await asyncio.wait({self.task}, timeout=10)
        if not self.task.done():
            self.task.cancel()
            await asyncio.wait({self.task})
        if not self.task.cancelled():
            self.task.exception()  # retrieved, so an expected failure is not reported again at exit
        # events discord.py dispatched while closing (disconnect, shard_disconnect) run as tasks: let them finish
        for _ in range(3):
            events = [t for t in asyncio.all_tasks() if t.get_name().startswith("discord.py: ") and not t.done()]
            if not events:
                break
            await asyncio.wait(events, timeout=5)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord, settings: Settings, clock: FakeClock, kb: KnowledgeBase, **options: float
) -> AsyncIterator[RunningBot]:
    """The Discord adapter on its own app, logged in to ``fake``; stopped (and its database closed) on exit."""
    app = build_app(settings, clock=clock, kb=kb)
    await app.start()
    app.start_scheduler()  # as `debatebot run` does; the client registers its publisher once logged in
    adapter = DiscordAdapter(app, guild_ready_timeout=0.05, **{"refresh_interval": 0.3, **options})
    fake.identified.clear()
    bot = RunningBot(app, adapter, asyncio.create_task(adapter.run()))
    try:
        identified = asyncio.create_task(fake.wait_identified())
        await asyncio.wait({identified, bot.task}, return_when=asyncio.FIRST_COMPLETED)
        if bot.task.done():
            identified.cancel()
            bot.task.result()  # raise what stopped it
            raise AssertionError("the bot stopped before identifying")
        await asyncio.wait_for(bot.client.wait_until_ready(), 10)  # on_ready has been dispatched
        yield bot
    finally:
        try:
            await bot.stop()
        finally:
            await app.stop()


@pytest.fixture
async def bot(fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> AsyncIterator[RunningBot]:
    async with running_bot(fake, discord_settings(fake, tmp_path / "bot.db"), clock, kb) as running:
        yield running
