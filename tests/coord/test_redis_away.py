"""Redis going away: votes are still answered and counted, each process limits and redraws on its own, one warning
is logged, and when Redis is back the processes share again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.app import App, build_app
from bot.coord.redis_coordination import RedisCoordination
from bot.core.actions import Action
from bot.core.request import User
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.conftest import Chat, FakeClock
from tests.coord.conftest import MakeCoordination
from tests.coord.test_redis_redraw import Message, attach, new_poll
from tests.proxy import TcpProxy

LINK_LOGGER = "bot.coord.redis_link"


@pytest.fixture
async def proxy(redis_server: str) -> AsyncIterator[TcpProxy]:
    server = TcpProxy(redis_server)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def app(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase, make_coordination: MakeCoordination, proxy: TcpProxy
) -> AsyncIterator[App]:
    """One bot process whose Redis is reached through the proxy (a 0.3 s timeout, pinged every 0.2 s while away)."""
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}")  # type: ignore[call-arg]
    coordination = make_coordination(proxy.url, limit=5, window=timedelta(seconds=10))
    application = build_app(settings, clock=clock, kb=kb, coordination=coordination)
    await application.start()
    yield application
    await application.stop()


def link_records(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LINK_LOGGER]


async def timed_vote(app: App, poll_id: int, user: str) -> float:
    """Vote through the core; the seconds the answer took (it must not be an error)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    answer = await Chat(app.core).press(Action.vote(poll_id, "a").pack(), User(id=user, display_name=user))
    assert not answer.error, answer.fallback
    return loop.time() - started


async def until(condition: object, seconds: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not condition():  # type: ignore[operator]
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.02)


async def test_redis_stopped_for_a_while_loses_no_vote_and_the_bot_shares_again_when_it_is_back(
    app: App, proxy: TcpProxy, clock: FakeClock, redis: Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The issue's "Redis stopped for 10 s", scaled to about 1 s of 0.2 s pings: the same transitions."""
    caplog.set_level(logging.INFO, logger=LINK_LOGGER)
    coordination = app.coordination
    assert isinstance(coordination, RedisCoordination)
    message: Message = attach([app])
    poll = await new_poll(app, clock)
    assert await timed_vote(app, poll.id, "before") < 0.3
    assert await redis.zcard(f"{prefix}rate:test:ws:before") == 1, "counted in Redis"

    await proxy.stop()
    took = [await timed_vote(app, poll.id, f"during-{n}") for n in range(20)]
    assert max(took) < 0.3 + 0.15, "the first call waits at most the timeout (0.3 s); the others do not wait"
    assert sorted(took)[-2] < 0.15
    assert not await coordination.ready()
    chat = Chat(app.core)
    answers = [await chat.say("/topics", user=User(id="eve", display_name="Eve")) for _ in range(6)]
    assert [a.error for a in answers] == [False] * 5 + [True], "the per-process limit applies meanwhile"
    await app.redrawer.flush()
    assert message.edits[-1].view.total_votes == 21, "redrawn on its own"
    await asyncio.sleep(0.6)  # a few pings fail while Redis is away: still one warning

    await proxy.start()
    await until(lambda: coordination.link.up)
    assert await coordination.ready()
    assert await timed_vote(app, poll.id, "after") < 0.3
    assert await redis.zcard(f"{prefix}rate:test:ws:after") == 1, "counted in Redis again"
    snapshot = await app.store.poll_snapshot(poll_id=poll.id)
    assert snapshot is not None
    assert snapshot.tally.total_votes == 22, "no vote lost"
    await app.redrawer.flush()
    assert message.edits[-1].view.total_votes == 22

    warnings = [text for level, text in link_records(caplog) if level == logging.WARNING]
    backs = [text for level, text in link_records(caplog) if level == logging.INFO and "is back" in text]
    assert len(warnings) == 1, warnings
    assert f"Redis at 127.0.0.1:{proxy.port}/0 is unreachable" in warnings[0]
    assert "per process until it is back" in warnings[0]
    assert len(backs) == 1, backs


async def test_a_redis_that_stops_answering_costs_a_vote_at_most_the_timeout(
    app: App, proxy: TcpProxy, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LINK_LOGGER)
    poll = await new_poll(app, clock)
    await timed_vote(app, poll.id, "before")
    proxy.hang()  # connections stay open; nothing comes back
    took = await asyncio.gather(*(timed_vote(app, poll.id, f"during-{n}") for n in range(50)))
    assert max(took) < 0.3 + 0.15, sorted(took)
    assert await timed_vote(app, poll.id, "later") < 0.15, "Redis is known to be away: not asked again"
    snapshot = await app.store.poll_snapshot(poll_id=poll.id)
    assert snapshot is not None
    assert snapshot.tally.total_votes == 52
    assert len(link_records(caplog)) == 1, "one warning for fifty votes"


async def test_a_bot_started_while_redis_is_away_serves_on_its_own(
    tmp_path: Path,
    clock: FakeClock,
    kb: KnowledgeBase,
    make_coordination: MakeCoordination,
    proxy: TcpProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LINK_LOGGER)
    await proxy.stop()
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}")  # type: ignore[call-arg]
    app = build_app(settings, clock=clock, kb=kb, coordination=make_coordination(proxy.url))
    await app.start()
    try:
        assert [level for level, _ in link_records(caplog)] == [logging.WARNING]
        poll = await new_poll(app, clock)
        assert await timed_vote(app, poll.id, "u") < 0.15
        await proxy.start()
        coordination = app.coordination
        assert isinstance(coordination, RedisCoordination)
        await until(lambda: coordination.link.up)
        assert await coordination.ready()
    finally:
        await app.stop()


async def test_connections_from_before_redis_went_away_are_not_used_after_it_is_back(
    app: App, proxy: TcpProxy, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis restarted: the pooled connections to the old one are dead, and must not make Redis look away again."""
    caplog.set_level(logging.INFO, logger=LINK_LOGGER)
    coordination = app.coordination
    assert isinstance(coordination, RedisCoordination)
    assert all(await asyncio.gather(*(coordination.ready() for _ in range(6))))  # six pooled connections
    await proxy.stop()
    poll = await new_poll(app, clock)
    await timed_vote(app, poll.id, "during")
    await proxy.start()
    await until(lambda: coordination.link.up)
    assert all(await asyncio.gather(*(coordination.ready() for _ in range(6))))
    assert [level for level, _ in link_records(caplog)] == [logging.WARNING, logging.INFO]
