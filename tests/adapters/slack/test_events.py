"""Questions by mention and in direct messages; Events API retries answered once, even across a restart."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import ALICE, Mode, SlackUnderTest, slack_under_test
from tests.adapters.slack.payloads import CHANNEL
from tests.conftest import FakeClock


async def test_a_mention_delivered_three_times_is_answered_once(slack: SlackUnderTest) -> None:
    body = payloads.mention("<@UBOT> who thinks open source is the real winner?", user=ALICE, event_id="EvTHRICE")
    answers = [await slack.event(body, retry=retry) for retry in range(3)]
    assert [a.status for a in answers] == [200, 200, 200]
    assert all(a.seconds < 3 for a in answers)
    [post] = slack.fake.calls_to("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    assert post.params["thread_ts"] == body["event"]["ts"]
    assert "[Paraphrase]" in post.params["text"]


async def test_concurrent_copies_of_one_event_are_answered_once(slack: SlackUnderTest) -> None:
    body = payloads.mention("<@UBOT> whosays lecun", user=ALICE, event_id="EvRACE")
    for retry in range(3):
        await slack.event(body, retry=retry, settle=False)
    await slack.adapter.drain()
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def test_a_mention_can_run_a_command(slack: SlackUnderTest) -> None:
    await slack.event(payloads.mention("<@UBOT> /poll whos-losing", user=ALICE))
    [post] = slack.fake.calls_to("chat.postMessage")
    assert "Who's losing the AI race?" in post.params["text"]
    [summary] = await slack.app.store.list_polls()
    assert await slack.poll_message(summary.id) == (CHANNEL, next(iter(slack.fake.messages))[1])


async def test_a_bad_command_by_mention_is_answered_privately(slack: SlackUnderTest) -> None:
    await slack.event(payloads.mention("<@UBOT> whosays nobody-at-all", user=ALICE))
    [call] = slack.fake.calls_to("chat.postEphemeral")
    assert call.params["user"] == ALICE
    assert call.params["channel"] == CHANNEL
    assert "No commentator matches" in call.params["text"]
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_direct_messages_are_answered_in_the_conversation(slack: SlackUnderTest) -> None:
    await slack.event(payloads.direct_message("what does wang say about data", user=ALICE, channel="D0ALICE"))
    await slack.event(payloads.direct_message("help", user=ALICE, channel="D0ALICE"))
    await slack.event(payloads.direct_message("whosays elon", user=ALICE, channel="D0ALICE"))
    posts = slack.fake.calls_to("chat.postMessage")
    assert [p.params["channel"] for p in posts] == ["D0ALICE"] * 3
    assert "Wang" in posts[0].params["text"]
    assert "debatebot commands" in posts[1].params["text"]
    assert "No commentator matches" in posts[2].params["text"]
    assert slack.fake.calls_to("chat.postEphemeral") == []


async def test_edits_joins_and_bot_messages_are_not_answered(slack: SlackUnderTest) -> None:
    edit = payloads.direct_message("help", user=ALICE)
    edit["event"]["subtype"] = "message_changed"
    other_bot = payloads.direct_message("help", user="UOTHERBOT")
    other_bot["event"]["bot_id"] = "BOTHER"
    ourselves = payloads.direct_message("help", user="UBOT")
    ourselves["event"]["bot_id"] = "BBOT"
    channel_message = payloads.direct_message("help", user=ALICE, channel=CHANNEL)
    channel_message["event"]["channel_type"] = "channel"
    for body in (edit, other_bot, ourselves, channel_message):
        assert (await slack.event(body)).status == 200
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_a_retry_after_a_restart_is_still_answered_once(
    mode: Mode, fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    body = payloads.mention("<@UBOT> whosays wang", user=ALICE, event_id="EvRESTART")
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb) as first:
        await first.event(body)
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb) as second:
        await second.event(body, retry=1)
        await second.event(payloads.mention("<@UBOT> whosays ng", user=ALICE, event_id="EvNEW"))
    assert [("Wang" in p.params["text"], "Ng" in p.params["text"]) for p in fake.calls_to("chat.postMessage")] == [
        (True, False),
        (False, True),
    ]


async def test_slacks_retry_policy_stops_once_delivered(
    fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with slack_under_test("http", fake, tmp_path / "bot.db", clock, kb) as slack:
        assert slack.sender is not None
        answers = await slack.sender.deliver_event(payloads.mention("<@UBOT> whosays lee", user=ALICE))
        await slack.adapter.drain()
    assert [a.status for a in answers] == [200]
    assert len(fake.calls_to("chat.postMessage")) == 1
