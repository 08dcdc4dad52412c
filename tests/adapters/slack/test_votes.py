"""Poll buttons: private confirmations, coalesced ``chat.update``s that always end on the final count, and Close."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import ADMIN, ALICE, BOB, Mode, SlackUnderTest, slack_under_test
from tests.adapters.slack.payloads import CHANNEL
from tests.conftest import FakeClock


async def new_poll(slack: SlackUnderTest, text: str = "Tea? | Yes | No", user: str = ALICE) -> tuple[int, str]:
    await slack.command("/poll", text, user=user)
    summary = (await slack.app.store.list_polls())[0]
    channel, ts = await slack.poll_message(summary.id)
    assert channel == CHANNEL
    return summary.id, ts


def shown(fake: FakeSlack, ts: str) -> str:
    """The poll message's text as the channel sees it now."""
    return str(fake.messages[(CHANNEL, ts)]["text"])


def has_buttons(fake: FakeSlack, ts: str) -> bool:
    return any(b["type"] == "actions" for b in fake.messages[(CHANNEL, ts)]["blocks"])


async def test_a_vote_is_confirmed_privately_and_the_poll_message_redrawn(slack: SlackUnderTest) -> None:
    poll_id, ts = await new_poll(slack)
    exchange = await slack.press(f"vote:{poll_id}:2", message_ts=ts, user=BOB)
    assert exchange.answer.status == 200
    assert exchange.answer.seconds < 3
    assert [(a["response_type"], a["replace_original"]) for a in exchange.answers] == [("ephemeral", False)]
    assert "Your vote for “No” is in." in exchange.answers[0]["text"]
    [update] = slack.fake.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, ts)
    assert "1 vote" in shown(slack.fake, ts)
    assert has_buttons(slack.fake, ts)

    again = await slack.press(f"vote:{poll_id}:2", message_ts=ts, user=BOB)
    assert "your vote stays" in again.answers[0]["text"]
    assert len(slack.fake.calls_to("chat.update")) == 1


async def test_only_the_creator_or_an_admin_can_close(slack: SlackUnderTest) -> None:
    poll_id, ts = await new_poll(slack, user=ALICE)
    await slack.press(f"vote:{poll_id}:1", message_ts=ts, user=BOB)
    refused = await slack.press(f"close:{poll_id}", message_ts=ts, user=BOB)
    assert refused.answers[0]["response_type"] == "ephemeral"
    assert "Only the poll's creator or an admin" in refused.answers[0]["text"]
    assert has_buttons(slack.fake, ts)

    closed = await slack.press(f"close:{poll_id}", message_ts=ts, user=ADMIN)
    assert [a["response_type"] for a in closed.answers] == ["in_channel"]
    assert "closed: “Yes” wins with 1 of 1 vote" in closed.answers[0]["text"]
    assert not has_buttons(slack.fake, ts)
    assert "closed" in shown(slack.fake, ts)


async def test_the_creator_can_close_and_a_later_vote_is_refused(slack: SlackUnderTest) -> None:
    poll_id, ts = await new_poll(slack, user=ALICE)
    await slack.press(f"close:{poll_id}", message_ts=ts, user=ALICE)
    late = await slack.press(f"vote:{poll_id}:1", message_ts=ts, user=BOB)
    assert "is closed" in late.answers[0]["text"]
    assert (await slack.app.store.tally(poll_id=poll_id)).total_votes == 0


async def test_workspace_admins_may_close_when_users_read_is_granted(slack: SlackUnderTest) -> None:
    slack.fake.admins.add("UWSADMIN")
    poll_id, ts = await new_poll(slack, user=ALICE)
    closed = await slack.press(f"close:{poll_id}", message_ts=ts, user="UWSADMIN")
    assert "closed" in closed.answers[0]["text"]
    assert [c.params["user"] for c in slack.fake.calls_to("users.info")] == ["UWSADMIN"]


async def test_without_users_read_only_the_admin_list_counts(slack: SlackUnderTest) -> None:
    slack.fake.admins.add("UWSADMIN")
    slack.fake.users_read_scope = False
    poll_id, ts = await new_poll(slack, user=ALICE)
    for _ in range(2):
        refused = await slack.press(f"close:{poll_id}", message_ts=ts, user="UWSADMIN")
        assert "Only the poll's creator or an admin" in refused.answers[0]["text"]
    assert len(slack.fake.calls_to("users.info")) == 1
    await slack.press(f"vote:{poll_id}:1", message_ts=ts, user=BOB)
    assert len(slack.fake.calls_to("users.info")) == 1


async def test_a_poll_past_its_deadline_loses_its_buttons_on_the_next_press(
    slack: SlackUnderTest, clock: FakeClock
) -> None:
    poll_id, ts = await new_poll(slack, "Tea? | Yes | No --duration 30m")
    clock.advance(minutes=31)
    late = await slack.press(f"vote:{poll_id}:1", message_ts=ts, user=BOB)
    assert "is closed" in late.answers[0]["text"]
    assert not has_buttons(slack.fake, ts)


async def test_a_hundred_concurrent_voters_are_all_answered_in_time_and_counted(
    mode: Mode, fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb, refresh_interval=2.0) as slack:
        poll_id, ts = await new_poll(slack, "Who wins? | USA | China | Neither")
        presses = [
            slack.press(f"vote:{poll_id}:{n % 3 + 1}", message_ts=ts, user=f"UVOTER{n:03d}", settle=False)
            for n in range(100)
        ]
        exchanges = await asyncio.gather(*presses)
        await slack.adapter.drain()
        tally = await slack.app.store.tally(poll_id=poll_id)
    latencies = [e.answer.seconds for e in exchanges]
    updates = fake.calls_to("chat.update")
    print(f"\n[{mode}] 100 votes: max ack {max(latencies) * 1000:.0f} ms, {len(updates)} chat.update calls")
    assert all(e.answer.status == 200 for e in exchanges)
    assert max(latencies) < 3
    assert tally.total_votes == 100
    assert tally.voters == 100
    assert all(len(e.answers) == 1 and "is in" in e.answers[0]["text"] for e in exchanges)
    assert 1 <= len(updates) <= 3
    gaps = [b.at - a.at for a, b in itertools.pairwise(updates)]
    assert all(gap >= 1.9 for gap in gaps), gaps
    assert "100 votes" in shown(fake, ts)


async def test_a_poll_posted_through_a_response_url_is_redrawn_through_the_next_press(slack: SlackUnderTest) -> None:
    slack.fake.unreachable.add("C0PRIVATE")
    await slack.command("/poll", "Tea? | Yes | No", channel="C0PRIVATE")
    [summary] = await slack.app.store.list_polls()
    exchange = await slack.press(f"vote:{summary.id}:1", message_ts="1700000999.000001", user=BOB, channel="C0PRIVATE")
    confirmation, redraw = exchange.answers
    assert confirmation["response_type"] == "ephemeral"
    assert "is in" in confirmation["text"]
    assert redraw["replace_original"] is True
    assert "1 vote" in redraw["text"]
    assert await slack.poll_message(summary.id) == ("C0PRIVATE", "1700000999.000001")


async def test_stopping_waits_for_the_last_redraw(
    mode: Mode, fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb, refresh_interval=2.0) as slack:
        poll_id, ts = await new_poll(slack)
        await slack.press(f"vote:{poll_id}:1", message_ts=ts, user=ALICE, settle=False)
        await slack.press(f"vote:{poll_id}:2", message_ts=ts, user=BOB, settle=False)
    assert "2 votes" in shown(fake, ts)
