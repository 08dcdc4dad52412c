"""What the fake Slack received never pings anyone, and 429s are waited out after the ack, not before."""

from __future__ import annotations

from tests.adapters.slack import payloads
from tests.adapters.slack.block_rules import live_markup
from tests.adapters.slack.harness import ADMIN, ALICE, BOB, SlackUnderTest
from tests.adapters.slack.payloads import CHANNEL


def everything_sent(slack: SlackUnderTest) -> list[dict[str, object]]:
    return [c.params for c in slack.fake.calls] + [p.body for p in slack.fake.posted]


async def test_channel_and_user_mentions_in_a_poll_never_become_live(slack: SlackUnderTest) -> None:
    # Slack delivers typed "<" as "&lt;"; "<@U456|bob>" is how it delivers a real mention.
    question = "&lt;!channel&gt; who wins? | &lt;@U123&gt; | <@U456|bob> | <!here> | plain"
    await slack.command("/poll", question)
    summary = (await slack.app.store.list_polls())[0]
    _, ts = await slack.poll_message(summary.id)
    await slack.press(f"vote:{summary.id}:1", message_ts=ts, user=BOB)
    await slack.press(f"close:{summary.id}", message_ts=ts, user=ADMIN)
    await slack.event(payloads.mention("<@UBOT> &lt;!everyone&gt; whosays &lt;@U999&gt;", user=ALICE))
    sent = everything_sent(slack)
    assert [m for m in sent if live_markup(m)] == []
    poll_message = slack.fake.messages[(CHANNEL, ts)]
    assert "&lt;!channel&gt; who wins?" in str(poll_message["text"])
    labels = [
        e["text"]["text"]
        for b in slack.fake.calls_to("chat.postMessage")[0].params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert labels[:4] == ["<@U123>", "@bob", "@here", "plain"]  # plain_text: shown as typed, never parsed
    assert not any("link_names" in m or m.get("parse") == "full" for m in sent)


async def test_a_429_is_waited_out_after_the_ack(slack: SlackUnderTest) -> None:
    slack.fake.fail("chat.postMessage", status=429, retry_after=1)
    exchange = await slack.command("/poll", "whos-losing")
    assert exchange.answer.status == 200
    assert exchange.answer.seconds < 0.5
    first, second = slack.fake.calls_to("chat.postMessage")
    assert second.at - first.at >= 1.0
    assert len(slack.fake.messages) == 1
    [summary] = await slack.app.store.list_polls()
    assert (await slack.poll_message(summary.id))[0] == CHANNEL


async def test_a_429_on_a_poll_update_is_retried_and_the_count_still_lands(slack: SlackUnderTest) -> None:
    await slack.command("/poll", "Tea? | Yes | No")
    summary = (await slack.app.store.list_polls())[0]
    _, ts = await slack.poll_message(summary.id)
    slack.fake.fail("chat.update", status=429, retry_after=1)
    exchange = await slack.press(f"vote:{summary.id}:1", message_ts=ts, user=BOB)
    assert exchange.answer.seconds < 0.5
    first, second = slack.fake.calls_to("chat.update")
    assert second.at - first.at >= 1.0
    assert "1 vote" in str(slack.fake.messages[(CHANNEL, ts)]["text"])
