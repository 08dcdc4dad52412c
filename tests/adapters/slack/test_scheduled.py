"""Scheduled posts on Slack: digests marked with metadata, reconciled after a lost answer, timed polls."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.adapters.slack.harness import ADMIN, SlackUnderTest
from tests.adapters.slack.payloads import CHANNEL
from tests.conftest import FakeClock


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def digests(slack: SlackUnderTest) -> list[dict[str, object]]:
    return [
        m
        for m in slack.fake.messages.values()
        if isinstance(m.get("metadata"), dict) and str(m["metadata"]["event_payload"]["run_key"]).startswith("d")
    ]


async def subscribe(slack: SlackUnderTest, clock: FakeClock) -> None:
    clock.current = at("2026-03-01T08:00")
    exchange = await slack.command("/digest", "subscribe 09:00 UTC", user=ADMIN)
    assert "set for 09:00 (UTC)" in str(exchange.answers)


async def test_digest_is_posted_once_with_its_run_marked(slack: SlackUnderTest, clock: FakeClock) -> None:
    await subscribe(slack, clock)
    clock.current = at("2026-03-01T09:00")
    await slack.app.scheduler.tick()
    await slack.app.scheduler.tick()
    posted = digests(slack)
    assert len(posted) == 1
    assert "Quote of the day" in str(posted[0]["text"])
    assert posted[0]["metadata"]["event_type"] == "debatebot_run"  # type: ignore[index]
    post = slack.fake.calls_to("chat.postMessage")[-1].params
    assert post.get("link_names") in (None, False)


async def test_lost_answer_is_reconciled_from_history_not_posted_twice(slack: SlackUnderTest, clock: FakeClock) -> None:
    await subscribe(slack, clock)
    clock.current = at("2026-03-01T09:00")
    slack.fake.lose_answers = 1
    retry_at = await slack.app.scheduler.tick()
    assert len(digests(slack)) == 1, "the post happened although Slack answered 500"
    clock.current = retry_at
    await slack.app.scheduler.tick()
    assert len(digests(slack)) == 1
    assert slack.fake.calls_to("conversations.history")
    status = await slack.command("/digest", "status")
    assert "posted" in str(status.answers)


async def test_unreachable_channel_pauses_after_three_attempts(slack: SlackUnderTest, clock: FakeClock) -> None:
    await subscribe(slack, clock)
    slack.fake.unreachable.add(CHANNEL)
    clock.current = at("2026-03-01T09:00")
    for _ in range(3):
        clock.current = await slack.app.scheduler.tick()
    attempts = [c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("metadata")]
    assert len(attempts) == 3
    slack.fake.unreachable.clear()
    status = await slack.command("/digest", "status")
    assert "Paused: paused after 3 failed attempts: not_in_channel" in str(status.answers)


async def test_timed_poll_closes_on_time_and_its_message_loses_the_buttons(
    slack: SlackUnderTest, clock: FakeClock
) -> None:
    await slack.command("/poll", "Tea? | Yes | No --duration 1m")
    channel, ts = await slack.poll_message(1)
    await slack.press("vote:1:1", message_ts=ts)
    clock.advance(minutes=1)
    await slack.app.scheduler.tick()
    await slack.adapter.drain()
    message = slack.fake.messages[(channel, ts)]
    assert not any(block.get("type") == "actions" for block in message["blocks"])
    assert "closed" in str(message["text"])
    results = [m for m in slack.fake.messages.values() if "wins with 1 of 1 vote" in str(m.get("text"))]
    assert len(results) == 1
