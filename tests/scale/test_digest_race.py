"""Three schedulers on one database, 1,000 channels due in the same minute, two of them dying mid-run.

Each scheduler is a separate :class:`~bot.app.App` with its own connection to the shared database (a SQLite file,
or PostgreSQL), as three processes would be. One dies right after claiming a run (before posting it), one right
after posting (before recording it). When their claims' lease runs out, a live scheduler takes both over: it posts
the first (nothing was posted) and only records the second (the platform already shows it). Exactly 1,000 digests
go out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.core.models import ChannelRef, Poll, RunStatus
from bot.core.publisher import Publisher
from bot.core.reply import PollView, Reply
from bot.core.scheduler import LEASE
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.conftest import FakeClock
from tests.scale.conftest import upgraded_schema

CHANNELS = 1000
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Died(BaseException):
    """The process running this scheduler is killed here."""


@dataclass
class Platform:
    """What the chat platform shows: every post, by run key (so a take-over can find an earlier attempt's post)."""

    posts: list[tuple[ChannelRef, str]] = field(default_factory=list)


@dataclass
class ProcessPublisher(Publisher):
    """One process's way to the shared :class:`Platform`; ``die`` says where this process is killed."""

    shared: Platform
    die: str | None = None
    """``"after claiming"`` (before its first post) or ``"after posting"`` (before the run is recorded)."""
    platform: str = "test"

    async def post(self, *, channel: ChannelRef, reply: Reply, run_key: str) -> str:
        if self.die == "after claiming":
            raise Died
        self.shared.posts.append((channel, run_key))
        if self.die == "after posting":
            raise Died
        await asyncio.sleep(0)  # the platform's answer takes a moment: the other schedulers run meanwhile
        return run_key

    async def find_posted(self, *, channel: ChannelRef, run_key: str) -> str | None:
        return run_key if any(key == run_key for _, key in self.shared.posts) else None

    async def update_poll(self, *, poll: Poll, view: PollView) -> None:
        raise AssertionError("no polls here")


async def tick_until_dead(app: App) -> BaseException | None:
    try:
        await app.scheduler.tick()
    except Died as exc:
        return exc
    return None


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """One SQLite file, or one PostgreSQL schema (upgraded once, as a deploy does), shared by the three."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        async with upgraded_schema() as url:
            yield url


async def test_1000_digests_due_at_once_are_posted_once_by_three_schedulers_two_of_which_die(
    database_url: str, clock: FakeClock, kb: KnowledgeBase
) -> None:
    settings = Settings(_env_file=None, database_url=database_url)
    platform = Platform()
    apps = [build_app(settings, clock=clock, kb=kb) for _ in range(3)]
    for app, die in zip(apps, ("after claiming", "after posting", None), strict=True):
        await app.start()
        app.scheduler.publishers["test"] = ProcessPublisher(platform, die)
    try:
        clock.current = NINE - timedelta(days=1)
        channels = [ChannelRef(platform="test", workspace="w", channel=f"c{n:04d}") for n in range(CHANNELS)]
        for channel in channels:
            await apps[0].store.subscribe_digest(
                channel=channel, local_time="09:00", time_zone="UTC", user_id="admin", now=clock.now()
            )
        clock.current = NINE
        outcomes = await asyncio.gather(*(tick_until_dead(app) for app in apps))
        assert [type(outcome) for outcome in outcomes] == [Died, Died, type(None)]
        assert len(platform.posts) == CHANNELS - 1, "one run is claimed by a dead process, one posted by one"

        survivor = apps[2]
        clock.current = NINE + LEASE / 2
        await survivor.scheduler.tick()
        assert len(platform.posts) == CHANNELS - 1, "a claim within its lease is left alone"

        clock.current = NINE + LEASE + timedelta(seconds=1)
        await survivor.scheduler.tick()
        keys = [key for _, key in platform.posts]
        assert len(keys) == CHANNELS, "every channel once, none twice"
        assert len(set(keys)) == CHANNELS
        assert {channel for channel, _ in platform.posts} == set(channels)
        for channel in channels:
            run = await survivor.store.last_digest_run(channel=channel)
            assert run is not None, channel
            assert run.status == RunStatus.POSTED, channel
    finally:
        for app in apps:
            await app.stop()
