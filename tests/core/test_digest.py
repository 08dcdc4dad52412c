"""/digest subscribe | unsubscribe | status | now."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.core.reply import Quote
from bot.knowledge.base import KnowledgeBase
from tests.conftest import ADMIN, BOB, Chat, FakeClock


async def test_subscribe_stores_time_and_zone(chat: Chat, app: App) -> None:
    answer = await chat.say("/digest subscribe 08:30 Europe/Berlin", user=ADMIN)
    assert not answer.error
    assert "set for 08:30 (Europe/Berlin)" in answer.fallback
    subscription = await app.store.get_subscription(channel=_channel(chat))
    assert subscription is not None
    assert (subscription.local_time, subscription.time_zone, subscription.created_by) == (
        "08:30",
        "Europe/Berlin",
        "mod",
    )


async def test_subscribe_defaults_and_zone_only(chat: Chat, app: App) -> None:
    await chat.say("/digest subscribe", user=ADMIN)
    subscription = await app.store.get_subscription(channel=_channel(chat))
    assert subscription is not None
    assert (subscription.local_time, subscription.time_zone) == ("09:00", "UTC")
    await chat.say("/digest subscribe America/New_York", user=ADMIN)
    subscription = await app.store.get_subscription(channel=_channel(chat))
    assert subscription is not None
    assert (subscription.local_time, subscription.time_zone) == (
        "09:00",
        "America/New_York",
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/digest subscribe 25:00 UTC", "'25:00' is not a time in 24-hour HH:MM form"),
        ("/digest subscribe 8am UTC", "'8am' is not a time"),
        ("/digest subscribe 08:00 Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("/digest subscribe 08:00 ../../etc/passwd", "unknown time zone"),
        ("/digest", "/digest needs one of: subscribe, unsubscribe, status, now"),
        ("/digest weekly", "Unknown /digest action 'weekly'"),
        ("/digest unsubscribe", "This channel has no daily digest to stop."),
    ],
)
async def test_bad_digest_input_changes_nothing(chat: Chat, app: App, line: str, message: str) -> None:
    answer = await chat.say(line, user=ADMIN)
    assert answer.error
    assert message in answer.fallback
    assert await app.store.get_subscription(channel=_channel(chat)) is None


async def test_only_admins_manage_the_digest(chat: Chat, app: App) -> None:
    refused = await chat.say("/digest subscribe 08:00 UTC", user=BOB)
    assert refused.error
    assert "Only an admin" in refused.fallback
    assert await app.store.get_subscription(channel=_channel(chat)) is None
    await chat.say("/digest subscribe 08:00 UTC", user=ADMIN)
    refused = await chat.say("/digest unsubscribe", user=BOB)
    assert refused.error
    assert await app.store.get_subscription(channel=_channel(chat)) is not None


async def test_status_and_unsubscribe(chat: Chat, app: App) -> None:
    assert "This channel has no daily digest" in (await chat.say("/digest status")).fallback
    await chat.say("/digest subscribe 07:15 Asia/Tokyo", user=ADMIN)
    status = await chat.say("/digest status")
    assert "Daily digest at 07:15 (Asia/Tokyo), set up by mod." in status.fallback
    assert "Next digest: Monday 02 March 2026, 07:15 Asia/Tokyo." in status.fallback
    assert "is stopped" in (await chat.say("/digest unsubscribe", user=ADMIN)).fallback
    assert await app.store.get_subscription(channel=_channel(chat)) is None


async def test_now_has_quote_opposing_view_and_standings(chat: Chat, kb: KnowledgeBase) -> None:
    poll = (await chat.say("/poll whos-losing")).poll
    assert poll is not None
    await chat.say(f"/vote {poll.poll_id} china", user=BOB)
    answer = await chat.say("/digest now")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert len(quotes) == 2
    first = kb.claims[quotes[0].claim_id].commentator
    second = kb.claims[quotes[1].claim_id].commentator
    assert first.id != second.id
    assert first.leans["whos-losing"].option != second.leans["whos-losing"].option
    assert "Quote of the day" in answer.fallback
    assert "An opposing view" in answer.fallback
    assert f"#{poll.poll_id} Who's losing the AI race?: Leading: China · 1 vote" in answer.fallback


async def test_now_is_stable_within_a_day_and_rotates_without_repeats(
    chat: Chat, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async def quote_of_the_day() -> str:
        answer = await chat.say("/digest now")
        first = next(b for b in answer.blocks if isinstance(b, Quote))
        return first.claim_id

    seen = [await quote_of_the_day()]
    assert await quote_of_the_day() == seen[0]
    for _ in range(len(kb.claims) - 1):
        clock.advance(days=1)
        seen.append(await quote_of_the_day())
    assert sorted(seen) == sorted(kb.claims)


async def test_now_uses_the_channel_time_zone_for_the_date(chat: Chat, clock: FakeClock) -> None:
    clock.current = clock.current.replace(hour=23, minute=30)  # 23:30 UTC is already tomorrow in Tokyo
    utc_day = (await chat.say("/digest now")).blocks[0]
    await chat.say("/digest subscribe 08:00 Asia/Tokyo", user=ADMIN)
    tokyo_day = (await chat.say("/digest now")).blocks[0]
    assert utc_day != tokyo_day
    assert "Monday 02 March 2026" in tokyo_day.model_dump_json()


def _channel(chat: Chat):  # type: ignore[no-untyped-def]
    from bot.core.models import ChannelRef

    return ChannelRef(platform=chat.platform, workspace="ws", channel=chat.channel)
