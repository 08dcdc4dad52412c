"""Daily digests once per channel-day and timed polls on time, with an injected clock and a fake publisher."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App, build_app
from bot.core.models import ChannelRef, Poll
from bot.core.publisher import Publisher, PublishError
from bot.core.reply import PollView, Quote, Reply
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.conftest import ADMIN, Chat, FakeClock

CHANNEL = ChannelRef(platform="test", workspace="ws", channel="general")


class Crash(BaseException):
    """The process dies here (not an ordinary error the scheduler could handle)."""


@dataclass
class Post:
    channel: ChannelRef
    reply: Reply
    run_key: str
    at: datetime


@dataclass
class FakePublisher(Publisher):
    """Records what would reach the platform; can fail or 'die' on demand."""

    clock: FakeClock
    platform: str = "test"
    posts: list[Post] = field(default_factory=list)
    updates: list[PollView] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    crash_after_posting: bool = False
    remembers: bool = True

    async def post(self, *, channel: ChannelRef, reply: Reply, run_key: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.posts.append(Post(channel, reply, run_key, self.clock.now()))
        if self.crash_after_posting:
            self.crash_after_posting = False
            raise Crash
        return f"m{len(self.posts)}"

    async def find_posted(self, *, channel: ChannelRef, run_key: str) -> str | None:
        if not self.remembers:
            return None
        return next((f"m{n}" for n, p in enumerate(self.posts, 1) if p.run_key == run_key), None)

    async def update_poll(self, *, poll: Poll, view: PollView) -> None:
        self.updates.append(view)

    def digests(self) -> list[Post]:
        return [p for p in self.posts if p.run_key.startswith("d")]


def make_settings(path: Path) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{path}", rate_limit_commands=1000)  # type: ignore[call-arg]


@pytest.fixture
async def world(tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> AsyncIterator[tuple[App, FakePublisher]]:
    app = await start(tmp_path, clock, kb)
    publisher = FakePublisher(clock)
    app.scheduler.publishers["test"] = publisher
    yield app, publisher
    await app.stop()


async def start(tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> App:
    app = build_app(make_settings(tmp_path / "bot.db"), clock=clock, kb=kb)
    app.scheduler.max_sleep = timedelta(days=2)
    await app.start()
    return app


async def subscribe(app: App, time: str, zone: str) -> None:
    answer = await Chat(app.core).say(f"/digest subscribe {time} {zone}", user=ADMIN)
    assert not answer.error, answer.fallback


async def run_until(app: App, clock: FakeClock, end: datetime) -> None:
    """Follow the scheduler's own wake-up times until ``end`` (no real waiting)."""
    for _ in range(500):
        wake = await app.scheduler.tick()
        if wake > end:
            clock.current = end
            await app.scheduler.tick()
            return
        clock.current = max(wake, clock.current)
    raise AssertionError("the scheduler did not get past the end time")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Daylight-saving transitions ------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "local_time", "start", "end", "expected_utc"),
    [
        # New York springs forward on 8 March 2026 (02:00 → 03:00): 02:30 does not exist, runs at 03:00 EDT.
        (
            "America/New_York",
            "02:30",
            "2026-03-06T12:00",
            "2026-03-09T23:00",
            ["2026-03-07T07:30", "2026-03-08T07:00", "2026-03-09T06:30"],
        ),
        # New York falls back on 1 November 2026 (02:00 → 01:00): 01:30 happens twice, runs at the first.
        (
            "America/New_York",
            "01:30",
            "2026-10-30T12:00",
            "2026-11-02T23:00",
            ["2026-10-31T05:30", "2026-11-01T05:30", "2026-11-02T06:30"],
        ),
        # Berlin springs forward on 29 March 2026 (02:00 → 03:00).
        (
            "Europe/Berlin",
            "02:15",
            "2026-03-27T12:00",
            "2026-03-30T23:00",
            ["2026-03-28T01:15", "2026-03-29T01:00", "2026-03-30T00:15"],
        ),
        # Berlin falls back on 25 October 2026 (03:00 → 02:00).
        (
            "Europe/Berlin",
            "02:30",
            "2026-10-23T12:00",
            "2026-10-26T23:00",
            ["2026-10-24T00:30", "2026-10-25T00:30", "2026-10-26T01:30"],
        ),
        # An ordinary time across the spring change: 09:00 local every day, 23-hour day included.
        (
            "Europe/Berlin",
            "09:00",
            "2026-03-27T12:00",
            "2026-03-30T23:00",
            ["2026-03-28T08:00", "2026-03-29T07:00", "2026-03-30T07:00"],
        ),
    ],
)
async def test_dst_days_post_once_at_the_policy_instant(
    world: tuple[App, FakePublisher],
    clock: FakeClock,
    zone: str,
    local_time: str,
    start: str,
    end: str,
    expected_utc: list[str],
) -> None:
    app, publisher = world
    clock.current = at(start)
    await subscribe(app, local_time, zone)
    await run_until(app, clock, at(end))
    assert [p.at for p in publisher.digests()] == [at(t) for t in expected_utc]
    days = [p.at.astimezone(ZoneInfo(zone)).date() for p in publisher.digests()]
    assert len(set(days)) == len(days)


# Downtime ------------------------------------------------------------------------


async def test_digest_missed_within_grace_is_posted_once_on_start(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    clock.current = at("2026-03-01T08:00")
    app = await start(tmp_path, clock, kb)
    await subscribe(app, "09:00", "UTC")
    await app.stop()  # the bot goes down before 09:00 ...
    clock.current = at("2026-03-01T12:30")  # ... and comes back 3.5 hours late
    app = await start(tmp_path, clock, kb)
    publisher = FakePublisher(clock)
    app.scheduler.publishers["test"] = publisher
    try:
        await app.scheduler.tick()
        await app.scheduler.tick()
        assert [p.at for p in publisher.digests()] == [at("2026-03-01T12:30")]
        status = await Chat(app.core).say("/digest status")
        assert "Last digest (01 March 2026): posted." in status.fallback
    finally:
        await app.stop()


async def test_digest_missed_beyond_grace_is_skipped_not_backfilled(
    world: tuple[App, FakePublisher], clock: FakeClock
) -> None:
    app, publisher = world
    clock.current = at("2026-03-01T08:00")
    await subscribe(app, "09:00", "UTC")
    clock.current = at("2026-03-03T16:00")  # down for two days; today's 09:00 is 7 hours ago
    await app.scheduler.tick()
    assert publisher.digests() == []
    status = await Chat(app.core).say("/digest status")
    assert "Last digest (03 March 2026): skipped (missed by more than 6:00:00)." in status.fallback
    await run_until(app, clock, at("2026-03-04T10:00"))
    assert [p.at for p in publisher.digests()] == [at("2026-03-04T09:00")]


async def test_subscribing_after_todays_time_waits_for_tomorrow(
    world: tuple[App, FakePublisher], clock: FakeClock
) -> None:
    app, publisher = world
    clock.current = at("2026-03-01T09:30")
    await subscribe(app, "09:00", "UTC")
    wake = await app.scheduler.tick()
    assert publisher.digests() == []
    assert wake == at("2026-03-02T09:00")


# Crashes and races ----------------------------------------------------------------


async def test_killed_after_claiming_before_posting_posts_once_after_restart(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    clock.current = at("2026-03-01T08:00")
    app = await start(tmp_path, clock, kb)
    dying = FakePublisher(clock, failures=[Crash()])
    app.scheduler.publishers["test"] = dying
    await subscribe(app, "09:00", "UTC")
    clock.current = at("2026-03-01T09:00")
    with pytest.raises(Crash):
        await app.scheduler.tick()
    await app.stop()

    clock.current = at("2026-03-01T09:05")  # restarted after the claim's lease ran out
    app = await start(tmp_path, clock, kb)
    publisher = FakePublisher(clock)
    app.scheduler.publishers["test"] = publisher
    try:
        await app.scheduler.tick()
        await app.scheduler.tick()
        assert len(publisher.digests()) == 1
    finally:
        await app.stop()


async def test_killed_after_posting_before_recording_does_not_post_again(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    clock.current = at("2026-03-01T08:00")
    app = await start(tmp_path, clock, kb)
    publisher = FakePublisher(clock, crash_after_posting=True)
    app.scheduler.publishers["test"] = publisher
    await subscribe(app, "09:00", "UTC")
    clock.current = at("2026-03-01T09:00")
    with pytest.raises(Crash):
        await app.scheduler.tick()
    await app.stop()
    assert len(publisher.digests()) == 1

    clock.current = at("2026-03-01T09:05")
    app = await start(tmp_path, clock, kb)
    app.scheduler.publishers["test"] = publisher  # the same platform, which has the first message
    try:
        await app.scheduler.tick()
        assert len(publisher.digests()) == 1
        status = await Chat(app.core).say("/digest status")
        assert "Last digest (01 March 2026): posted." in status.fallback
    finally:
        await app.stop()


async def test_two_schedulers_on_one_database_post_once(tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> None:
    clock.current = at("2026-03-01T08:00")
    first, second = await start(tmp_path, clock, kb), await start(tmp_path, clock, kb)
    publisher = FakePublisher(clock)
    first.scheduler.publishers["test"] = publisher
    second.scheduler.publishers["test"] = publisher
    try:
        await subscribe(first, "09:00", "UTC")
        clock.current = at("2026-03-01T09:00")
        await asyncio.gather(first.scheduler.tick(), second.scheduler.tick(), first.scheduler.tick())
        assert len(publisher.digests()) == 1
    finally:
        await first.stop()
        await second.stop()


async def test_unknown_outcome_is_reconciled_before_retrying(
    world: tuple[App, FakePublisher], clock: FakeClock
) -> None:
    app, publisher = world
    clock.current = at("2026-03-01T08:00")
    await subscribe(app, "09:00", "UTC")
    clock.current = at("2026-03-01T09:00")
    publisher.failures = [PublishError("timed out", definite=False)]
    retry = await app.scheduler.tick()
    assert publisher.digests() == []
    assert retry == at("2026-03-01T09:00:30")
    clock.current = retry
    await app.scheduler.tick()
    assert len(publisher.digests()) == 1


async def test_channel_gone_pauses_after_three_attempts(world: tuple[App, FakePublisher], clock: FakeClock) -> None:
    app, publisher = world
    clock.current = at("2026-03-01T08:00")
    await subscribe(app, "09:00", "UTC")
    clock.current = at("2026-03-01T09:00")
    publisher.failures = [PublishError("channel_not_found", definite=True) for _ in range(5)]
    await run_until(app, clock, at("2026-03-03T12:00"))
    assert publisher.digests() == []
    assert len(publisher.failures) == 2, "exactly three attempts, then no more"
    status = await Chat(app.core).say("/digest status")
    assert "Paused: paused after 3 failed attempts: channel_not_found." in status.fallback
    assert "Last digest (01 March 2026): failed: channel_not_found." in status.fallback
    publisher.failures.clear()  # the channel is back
    await subscribe(app, "09:00", "UTC")  # subscribing again resumes
    await run_until(app, clock, at("2026-03-04T10:00"))
    assert [p.at for p in publisher.digests()] == [at("2026-03-04T09:00")]


async def test_thirty_days_never_repeat_a_quote_while_unused_ones_remain(
    world: tuple[App, FakePublisher], clock: FakeClock, kb: KnowledgeBase
) -> None:
    app, publisher = world
    clock.current = at("2026-03-01T08:00")
    await subscribe(app, "09:00", "UTC")
    for day in range(30):
        clock.current = at("2026-03-01T09:00") + timedelta(days=day)
        await app.scheduler.tick()
    quotes = [next(b for b in p.reply.blocks if isinstance(b, Quote)).claim_id for p in publisher.digests()]
    assert len(quotes) == 30
    assert len(set(quotes)) == 30
    assert set(quotes) <= set(kb.claims)


async def test_digest_post_fits_both_platforms_limits(world: tuple[App, FakePublisher], clock: FakeClock) -> None:
    app, publisher = world
    chat = Chat(app.core)
    for n in range(8):
        await chat.say(f"/poll {'Long question ' * 12}{n}? | {'A' * 70} | {'B' * 70}")
    clock.current = at("2026-03-01T08:00")
    await subscribe(app, "09:00", "UTC")
    clock.current = at("2026-03-01T09:00")
    await app.scheduler.tick()
    digest = publisher.digests()[0].reply
    assert len(digest.fallback) <= 4096  # fits one Discord embed description; Slack's text limit is 40,000
    assert len(digest.blocks) <= 50
    assert all(len(block.model_dump_json()) < 3000 for block in digest.blocks)  # a Slack section's text limit


# Timed polls ----------------------------------------------------------------------


async def test_one_minute_poll_closes_on_time_with_results(world: tuple[App, FakePublisher], clock: FakeClock) -> None:
    app, publisher = world
    chat = Chat(app.core)
    created = (await chat.say("/poll whos-losing --duration 1m")).poll
    assert created is not None
    await app.store.set_poll_message(poll_id=created.poll_id, message_ref="c1:m1")
    await chat.say(f"/vote {created.poll_id} china")
    wake = await app.scheduler.tick()
    poll = await app.store.get_poll(poll_id=created.poll_id)
    assert poll is not None
    assert poll.closes_at is not None
    assert wake == poll.closes_at, "it sleeps exactly until the deadline"
    clock.current = wake
    await app.scheduler.tick()
    await app.redrawer.flush()  # the timed close has the poll's message redrawn like any other change
    closed = await app.store.get_poll(poll_id=created.poll_id)
    assert closed is not None
    assert closed.closed_at == poll.closes_at
    assert publisher.updates[-1].closed
    assert publisher.updates[-1].buttons == ()
    results = [p for p in publisher.posts if p.run_key == f"poll-{created.poll_id}"]
    assert len(results) == 1
    assert "“China” wins with 1 of 1 vote" in results[0].reply.fallback
    assert "Kai-Fu Lee" in results[0].reply.fallback
    await app.scheduler.tick()
    assert len([p for p in publisher.posts if p.run_key == f"poll-{created.poll_id}"]) == 1


async def test_poll_overdue_after_restart(tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> None:
    app = await start(tmp_path, clock, kb)
    chat = Chat(app.core)
    late = (await chat.say("/poll Late? | A | B --duration 1h")).poll
    very_late = (await chat.say("/poll Very late? | A | B --duration 30m")).poll
    assert late is not None
    assert very_late is not None
    for poll_id in (late.poll_id, very_late.poll_id):
        await app.store.set_poll_message(poll_id=poll_id, message_ref=f"c:{poll_id}")
    await app.stop()

    clock.advance(hours=2, minutes=45)  # down: 'late' is 1h45 overdue, 'very late' 2h15
    app = await start(tmp_path, clock, kb)
    publisher = FakePublisher(clock)
    app.scheduler.publishers["test"] = publisher
    try:
        await app.scheduler.tick()
        await app.redrawer.flush()
        for poll_id in (late.poll_id, very_late.poll_id):
            poll = await app.store.get_poll(poll_id=poll_id)
            assert poll is not None
            assert poll.closed_at is not None
        assert {v.poll_id for v in publisher.updates} == {late.poll_id, very_late.poll_id}
        announced = {p.run_key for p in publisher.posts}
        assert announced == {f"poll-{late.poll_id}"}, "more than 2 h overdue: closed without an announcement"
    finally:
        await app.stop()


async def test_poll_on_a_platform_without_publisher_waits(world: tuple[App, FakePublisher], clock: FakeClock) -> None:
    app, publisher = world
    other = Chat(app.core, platform="elsewhere")
    poll = (await other.say("/poll Q? | A | B --duration 1m")).poll
    assert poll is not None
    clock.advance(minutes=5)
    await app.scheduler.tick()
    stored = await app.store.get_poll(poll_id=poll.poll_id)
    assert stored is not None
    assert stored.closed_at is None
    assert publisher.posts == []


async def test_run_loop_wakes_when_a_subscription_changes(world: tuple[App, FakePublisher], clock: FakeClock) -> None:
    app, publisher = world
    clock.current = at("2026-03-01T08:59:59.5")
    app.scheduler.max_sleep = timedelta(hours=1)
    task = asyncio.create_task(app.scheduler.run())
    try:
        await asyncio.sleep(0.05)
        await subscribe(app, "09:00", "UTC")  # wakes the loop, which now sleeps 0.5 s until 09:00
        clock.current = at("2026-03-01T09:00")
        for _ in range(40):
            if publisher.digests():
                break
            await asyncio.sleep(0.05)
        assert len(publisher.digests()) == 1
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
