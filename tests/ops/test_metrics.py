"""What the core counts, read back from the exposition Prometheus scrapes: commands, latency, votes, redraws,
digest runs and claim take-overs."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.core.publisher import PublishError
from bot.core.request import Request
from bot.core.scheduler import LEASE
from bot.knowledge.base import KnowledgeBase
from bot.ops.metrics import Metrics
from bot.settings import Settings
from bot.store.sqlite import SQLiteStore
from tests.conftest import ADMIN, ALICE, BOB, Chat, FakeClock
from tests.core.test_scheduler import CHANNEL, Crash, FakePublisher
from tests.ops.scrape import value


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def new_poll(chat: Chat) -> int:
    answer = await chat.say("/poll Tea or coffee? | Tea | Coffee")
    assert answer.poll is not None, answer.fallback
    return answer.poll.poll_id


async def test_a_command_is_counted_by_name_platform_and_outcome_with_its_latency(chat: Chat, metrics: Metrics) -> None:
    await chat.say("/whosays lecun")
    await chat.say("/whosays")  # a missing argument: the user is told, and it counts as an error
    assert value(metrics, "debatebot_commands_total", platform="test", command="whosays", outcome="ok") == 1
    assert value(metrics, "debatebot_commands_total", platform="test", command="whosays", outcome="error") == 1
    assert value(metrics, "debatebot_answer_seconds_count", platform="test") == 2
    assert 0 < value(metrics, "debatebot_answer_seconds_sum", platform="test") < 3
    assert value(metrics, "debatebot_answer_seconds_bucket", platform="test", le="3.0") == 2


async def test_a_command_nobody_registered_is_counted_as_unknown(app: App, metrics: Metrics) -> None:
    request = Request(platform="slack", workspace="T1", channel="C1", user=ALICE, command="dropTable_xyz")
    answer = await app.core.handle(request)
    assert answer.error
    assert value(metrics, "debatebot_commands_total", platform="slack", command="unknown", outcome="error") == 1
    assert "dropTable_xyz" not in metrics.exposition().decode()  # typed text never becomes a label


async def test_a_rate_limited_request_is_counted_as_such(tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", rate_limit_commands=1
    )
    app = build_app(settings, clock=clock, kb=kb, metrics=Metrics())
    await app.start()
    try:
        chat = Chat(app.core, platform="discord")
        await chat.say("/whosays lecun")
        slowed = await chat.say("/whosays lecun")
        assert "Slow down" in slowed.fallback
        assert app.metrics is not None
        assert value(app.metrics, "debatebot_commands_total", command="whosays", outcome="rate_limited") == 1
        assert value(app.metrics, "debatebot_commands_total", command="whosays", outcome="ok") == 1
    finally:
        await app.stop()


async def test_votes_are_counted_by_outcome(chat: Chat, metrics: Metrics) -> None:
    poll_id = await new_poll(chat)
    await chat.press(f"vote:{poll_id}:1", user=BOB)
    await chat.press(f"vote:{poll_id}:1", user=BOB)  # the same option again: unchanged
    await chat.press(f"vote:{poll_id}:2", user=BOB)  # moved
    await chat.say(f"/close {poll_id}")
    await chat.press(f"vote:{poll_id}:1", user=ADMIN)  # too late
    assert value(metrics, "debatebot_votes_total", outcome="recorded") == 1
    assert value(metrics, "debatebot_votes_total", outcome="unchanged") == 1
    assert value(metrics, "debatebot_votes_total", outcome="changed") == 1
    assert value(metrics, "debatebot_votes_total", outcome="closed") == 1
    assert value(metrics, "debatebot_commands_total", command="vote", outcome="ok") == 3


async def test_votes_within_one_redraw_interval_make_one_edit_and_count_as_coalesced(
    app: App, chat: Chat, metrics: Metrics, clock: FakeClock
) -> None:
    publisher = FakePublisher(clock)
    app.attach(publisher, redraw_interval=0.5)
    poll_id = await new_poll(chat)
    await chat.press(f"vote:{poll_id}:1", user=ALICE)
    await app.redrawer.flush()
    assert len(publisher.updates) == 1
    await chat.press(f"vote:{poll_id}:1", user=BOB)  # waits for the interval since the last edit ...
    await chat.press(f"vote:{poll_id}:2", user=ADMIN)  # ... and this one rides along
    await app.redrawer.flush()
    assert [view.total_votes for view in publisher.updates] == [1, 3]
    assert value(metrics, "debatebot_redraws_total") == 2
    assert value(metrics, "debatebot_redraws_coalesced_total") == 1


async def test_digest_runs_are_counted_by_outcome(app: App, clock: FakeClock, metrics: Metrics) -> None:
    publisher = FakePublisher(clock, failures=[PublishError("Slack did not answer", definite=False)])
    app.scheduler.publishers["test"] = publisher
    clock.current = at("2026-03-01T08:00")
    assert not (await Chat(app.core).say("/digest subscribe 09:00 UTC", user=ADMIN)).error
    clock.current = at("2026-03-01T09:00")
    await app.scheduler.tick()  # the post fails: tried again later
    assert value(metrics, "debatebot_digest_runs_total", outcome="retry") == 1
    clock.current = at("2026-03-01T09:01")
    await app.scheduler.tick()
    assert len(publisher.digests()) == 1
    assert value(metrics, "debatebot_digest_runs_total", outcome="posted") == 1
    assert value(metrics, "debatebot_digest_claim_takeovers_total") == 0, "a retry is not a take-over"
    await app.store.unsubscribe_digest(channel=CHANNEL)
    clock.current = at("2026-03-03T08:00")
    assert not (await Chat(app.core).say("/digest subscribe 07:00 UTC", user=ADMIN)).error
    app.scheduler.grace = timedelta(minutes=30)
    clock.current = at("2026-03-04T08:00")  # the 07:00 run was missed by an hour, more than the grace
    await app.scheduler.tick()
    assert value(metrics, "debatebot_digest_runs_total", outcome="skipped") == 1


async def test_a_run_claimed_by_a_process_that_died_is_taken_over_and_counted(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}")  # type: ignore[call-arg]
    clock.current = at("2026-03-01T08:00")
    dying = build_app(settings, clock=clock, kb=kb)
    await dying.start()
    dying.scheduler.publishers["test"] = FakePublisher(clock, failures=[Crash()])
    assert not (await Chat(dying.core).say("/digest subscribe 09:00 UTC", user=ADMIN)).error
    clock.current = at("2026-03-01T09:00")
    with pytest.raises(Crash):  # claimed, then died before posting
        await dying.scheduler.tick()
    await dying.stop()

    clock.current = at("2026-03-01T09:00") + LEASE + timedelta(seconds=1)
    app = build_app(settings, clock=clock, kb=kb, metrics=Metrics())
    await app.start()
    try:
        publisher = FakePublisher(clock)
        app.scheduler.publishers["test"] = publisher
        await app.scheduler.tick()
        assert len(publisher.digests()) == 1
        assert app.metrics is not None
        assert value(app.metrics, "debatebot_digest_claim_takeovers_total") == 1
        assert value(app.metrics, "debatebot_digest_runs_total", outcome="posted") == 1
    finally:
        await app.stop()


async def test_database_use_is_read_from_the_store_at_each_scrape(app: App, metrics: Metrics) -> None:
    store = app.store
    assert isinstance(store, SQLiteStore)
    assert value(metrics, "debatebot_db_connections") == 1
    assert value(metrics, "debatebot_db_connections_in_use") == 0
    release = threading.Event()
    busy = asyncio.create_task(store.call(lambda db: release.wait(5)))  # holds the database thread
    queued = asyncio.create_task(store.get_meta(key="waiting"))
    for _ in range(3):
        await asyncio.sleep(0)  # both handed to the thread
    try:
        assert value(metrics, "debatebot_db_connections_in_use") == 1
        assert value(metrics, "debatebot_db_operations_waiting") == 1
    finally:
        release.set()
        await asyncio.gather(busy, queued)
    assert value(metrics, "debatebot_db_connections_in_use") == 0
    assert value(metrics, "debatebot_db_operations_waiting") == 0
