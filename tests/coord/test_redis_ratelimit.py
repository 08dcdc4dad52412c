"""The rate limit in Redis: one user's commands count in every process, with the per-process limiter's rules."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.core.ratelimit import RateLimiter
from bot.core.request import User
from tests.conftest import Chat, FakeClock
from tests.coord.conftest import MakeCoordination, MakeProcesses

CAROL = User(id="carol", display_name="Carol")


async def test_a_user_spreading_30_commands_over_three_processes_gets_5_per_10_seconds(
    make_processes: MakeProcesses, clock: FakeClock
) -> None:
    chats = [Chat(app.core) for app in await make_processes(3)]
    allowed: list[int] = []
    for second in range(30):  # one command a second, each to the next process in turn
        answer = await chats[second % 3].say("/topics", user=CAROL)
        if not answer.error:
            allowed.append(second)
        elif second == 5:
            assert answer.fallback == ("Slow down: at most 5 commands every 10 seconds. Try again in 5 seconds."), (
                "the first command, at 0 s, leaves the window at 10 s"
            )
        clock.advance(seconds=1)
    assert allowed == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24]


async def test_a_burst_over_three_processes_at_one_instant_lets_exactly_five_through(
    make_processes: MakeProcesses,
) -> None:
    chats = [Chat(app.core) for app in await make_processes(3)]
    answers = await asyncio.gather(*(chats[n % 3].say("/topics", user=CAROL) for n in range(30)))
    assert sum(not answer.error for answer in answers) == 5
    assert not (await chats[0].say("/topics")).error, "another user has a window of their own"


async def test_it_answers_as_the_per_process_limiter_does(make_coordination: MakeCoordination) -> None:
    """The same random stream of requests, keys and clock steps, to both: the same answers."""
    local_clock, shared_clock = FakeClock(), FakeClock()
    local = RateLimiter(local_clock, limit=3, window=timedelta(seconds=5))
    shared = make_coordination(clock=shared_clock, limit=3, window=timedelta(seconds=5))
    steps = random.Random(11)
    try:
        for _ in range(400):
            key = steps.choice(("ann", "bob", "cy"))
            expected = local.retry_after(key)
            assert await shared.rate_limit.retry_after(key) == expected, key
            step = steps.choice((0, 0, 0.25, 0.5, 1, 2.5))
            local_clock.advance(seconds=step)
            shared_clock.advance(seconds=step)
    finally:
        await shared.close()


async def test_a_users_window_is_kept_no_longer_than_the_window(
    make_coordination: MakeCoordination, redis: Redis, prefix: str
) -> None:
    coordination = make_coordination(limit=2, window=timedelta(seconds=10))
    try:
        assert await coordination.rate_limit.retry_after("slack:T1:U1") == 0
        key = f"{prefix}rate:slack:T1:U1"
        assert await redis.zcard(key) == 1
        assert 9_000 < await redis.pttl(key) <= 10_000
    finally:
        await coordination.close()


async def test_a_failing_batch_still_answers_every_request_in_this_process(
    make_coordination: MakeCoordination, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    coordination = make_coordination(limit=2, window=timedelta(seconds=10))

    async def broken(*_: object) -> object:
        return ["not a number"]  # a reply the limiter cannot read: a bug, not Redis being away

    monkeypatch.setattr(coordination.link, "run", broken)
    try:
        waits = await asyncio.wait_for(
            asyncio.gather(*(coordination.rate_limit.retry_after("ann") for _ in range(3))), timeout=2
        )
        assert [wait > 0 for wait in waits] == [False, False, True], "the per-process limiter answered"
        assert "shared rate limit failed: 3 requests checked in this process" in caplog.text
    finally:
        await coordination.close()
