"""Scheduled work on Discord: the daily digest posted to the channel, timed polls closed and redrawn on time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from tests.adapters.discord.conftest import ALICE, CHANNEL_MANAGER, RunningBot
from tests.adapters.discord.fake_discord import FakeDiscord, buttons, message_text
from tests.adapters.discord.fake_discord import unescape as shown
from tests.adapters.discord.payloads import CHANNEL_ID
from tests.conftest import FakeClock


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_the_daily_digest_is_posted_once_without_mentions(
    fake: FakeDiscord, bot: RunningBot, clock: FakeClock
) -> None:
    answer = await fake.answer(await fake.slash("digest", CHANNEL_MANAGER, "subscribe", time="12:30"))
    assert "12:30 (UTC)" in shown(message_text(answer))
    clock.advance(minutes=31)
    bot.app.scheduler.wake()
    await until(lambda: len(fake.channel_posts) == 1)
    (post,) = fake.channel_posts
    assert post["embeds"][0]["title"].startswith("Daily digest")
    assert post["allowed_mentions"] == {"parse": []}
    assert post["enforce_nonce"] is True
    assert 1 <= len(post["nonce"]) <= 25
    posted = next(m for m in fake.messages.values() if m.interaction_id is None)
    assert posted.channel_id == CHANNEL_ID
    bot.app.scheduler.wake()
    await asyncio.sleep(0.2)
    assert len(fake.channel_posts) == 1, "once per channel-day"


async def test_a_timed_poll_is_closed_redrawn_and_announced_on_time(
    fake: FakeDiscord, bot: RunningBot, clock: FakeClock
) -> None:
    poll = await fake.answer(await fake.slash("poll", ALICE, question="Tea?", options="Yes | No", duration="30m"))
    await fake.answer(await fake.click(poll, buttons(poll)[0]["custom_id"], ALICE))
    clock.advance(minutes=31)
    bot.app.scheduler.wake()
    await until(lambda: len(fake.channel_posts) == 1 and buttons(poll) == [])
    assert "closed" in poll.embeds[0]["footer"]["text"]
    announcement = shown(fake.channel_posts[0]["content"])
    assert "Poll #1 “Tea?” closed: “Yes” wins with 1 of 1 vote." in announcement


async def test_a_lost_answer_is_retried_with_the_same_nonce_and_posts_once(
    fake: FakeDiscord, bot: RunningBot, clock: FakeClock
) -> None:
    await fake.answer(await fake.slash("digest", CHANNEL_MANAGER, "subscribe", time="12:30"))
    fake.lose_answers = 10  # discord.py retries 5xx itself; then the scheduler retries later
    clock.advance(minutes=31)
    bot.app.scheduler.wake()
    await until(lambda: len(fake.channel_posts) >= 2, within=20)
    fake.lose_answers = 0
    clock.advance(minutes=15)  # past the scheduler's retry time
    bot.app.scheduler.wake()
    await until(lambda: fake.lose_answers == 0 and len({p["nonce"] for p in fake.channel_posts}) == 1)
    created = [m for m in fake.messages.values() if m.interaction_id is None]
    assert len(created) == 1, "every retry carried the same nonce, so Discord kept the first message"


async def test_a_deleted_channel_pauses_the_digest_after_three_attempts(
    fake: FakeDiscord, bot: RunningBot, clock: FakeClock
) -> None:
    await fake.answer(await fake.slash("digest", CHANNEL_MANAGER, "subscribe", time="12:30"))
    fake.deleted_channels.add(CHANNEL_ID)
    clock.advance(minutes=31)
    for _ in range(3):
        bot.app.scheduler.wake()
        await asyncio.sleep(0.3)
        clock.advance(minutes=15)
    fake.deleted_channels.clear()
    status = await fake.answer(await fake.slash("digest", CHANNEL_MANAGER, "status"))
    text = shown(message_text(status))
    assert "Paused: paused after 3 failed attempts" in text
    assert "10003" in text
    assert fake.channel_posts == []
