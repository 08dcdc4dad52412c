"""Every slash command, in Socket Mode and in HTTP mode, through the real bolt: good input and bad."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack.block_rules import live_markup
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import ADMIN, ALICE, Mode, SlackUnderTest, slack_under_test
from tests.adapters.slack.payloads import CHANNEL
from tests.conftest import FakeClock


@dataclass(frozen=True)
class Case:
    slash: str
    text: str
    goes: Literal["in_channel", "ephemeral", "poll", "modal"]
    """Where the answer must land: the response_url (public or private), a posted poll, or a modal."""
    shows: str
    user: str = ALICE


CASES = [
    Case("/whosays", "lecun", "in_channel", "Yann LeCun"),
    Case("/whosays", "kai-fu", "in_channel", "Kai-Fu Lee"),
    Case("/whosays", "elon musk", "ephemeral", "No commentator matches 'elon musk'"),
    Case("/whosays", "", "ephemeral", "/whosays needs"),
    Case("/ask", "who thinks open source is the real winner?", "in_channel", "[Paraphrase]"),
    Case("/ask", "what is the weather in paris --tomorrow", "in_channel", "Nothing in the knowledge base"),
    Case("/ask", "", "ephemeral", "/ask needs"),
    Case("/compare", "lecun wang", "in_channel", "Yann LeCun vs Alexandr Wang"),
    Case("/compare", "lecun", "ephemeral", "/compare needs"),
    Case("/compare", "lecun yann", "ephemeral", "Both names point to Yann LeCun"),
    Case("/topic", "compute", "in_channel", "Who says what on"),
    Case("/topic", "", "in_channel", "Topics"),
    Case("/topic", "cooking", "ephemeral", "No topic matches"),
    Case("/poll", "whos-losing", "poll", "Who's losing the AI race?"),
    Case("/poll", "Tea or coffee? | Tea | Coffee --duration 2h --anonymous", "poll", "Tea or coffee?"),
    Case("/poll", "Tea? | Tea", "ephemeral", "A poll needs 2 to 10 options"),
    Case("/poll", "Tea? | A | B --duration forever", "ephemeral", "is not a duration"),
    Case("/poll", "Tea? | A | B --colour red", "ephemeral", "has no option --colour"),
    Case("/poll", "", "modal", "New poll"),
    Case("/digest", "status", "ephemeral", "This channel has no daily digest"),
    Case("/digest", "now", "in_channel", "Daily digest"),
    Case("/digest", "subscribe 08:30 Europe/Berlin", "ephemeral", "Only an admin"),
    Case("/digest", "subscribe 08:30 Europe/Berlin", "in_channel", "set for 08:30 (Europe/Berlin)", user=ADMIN),
    Case("/digest", "subscribe 25:00", "ephemeral", "is not a time", user=ADMIN),
    Case("/digest", "", "ephemeral", "/digest needs one of"),
    Case("/digest", "explode", "ephemeral", "Unknown /digest action"),
    Case("/debatehelp", "", "ephemeral", "debatebot commands"),
    Case("/debatehelp", "poll", "ephemeral", "--anonymous"),
    Case("/debatehelp", "nonsense", "ephemeral", "There is no command /nonsense"),
]


async def check(slack: SlackUnderTest, case: Case) -> None:
    posts_before = len(slack.fake.calls_to("chat.postMessage"))
    exchange = await slack.command(case.slash, case.text, user=case.user)
    label = f"{slack.mode}: {case.slash} {case.text!r}"
    assert exchange.answer.status == 200, label
    assert exchange.answer.seconds < 3, label
    posts = slack.fake.calls_to("chat.postMessage")[posts_before:]
    if case.goes in ("in_channel", "ephemeral"):
        assert [a.get("response_type") for a in exchange.answers] == [case.goes], label
        assert case.shows in exchange.answers[0]["text"], (label, exchange.answers[0]["text"])
        assert posts == [], label
    elif case.goes == "poll":
        assert exchange.answers == [], label
        assert [p.params["channel"] for p in posts] == [CHANNEL], label
        assert case.shows in posts[0].params["text"], label
        assert any(b["type"] == "actions" for b in posts[0].params["blocks"]), label
    else:
        opened = slack.fake.calls_to("views.open")[-1].params
        assert opened["view"]["title"]["text"] == case.shows, label
        assert exchange.answers == [], label
        assert posts == [], label


async def test_every_command_with_good_and_bad_input(slack: SlackUnderTest) -> None:
    for case in CASES:
        await check(slack, case)
    sent = [c.params for c in slack.fake.calls] + [p.body for p in slack.fake.posted]
    assert all(not live_markup(message) for message in sent)
    assert not any("link_names" in message or message.get("parse") for message in sent)


async def test_a_new_poll_remembers_its_message_for_later_updates(slack: SlackUnderTest) -> None:
    await slack.command("/poll", "Tea? | Yes | No --duration 2h --anonymous")
    post = slack.fake.calls_to("chat.postMessage")[-1]
    polls = await slack.app.store.list_polls()
    assert len(polls) == 1
    poll = await slack.app.store.get_poll(poll_id=polls[0].id)
    assert poll is not None
    assert poll.anonymous
    assert poll.closes_at is not None
    assert poll.channel.platform == "slack"
    assert poll.channel.workspace == slack.fake.team_id
    [(channel, ts)] = list(slack.fake.messages)
    assert await slack.poll_message(poll.id) == (channel, ts) == (CHANNEL, ts)
    assert post.params["unfurl_links"] is False


async def test_renamed_commands_answer_under_their_new_names(
    mode: Mode, fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    names = {"poll": "/debatepoll", "results": "/pollresults"}
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb, slack_command_names=names) as slack:
        await slack.command("/debatepoll", "whos-losing")
        assert len(fake.calls_to("chat.postMessage")) == 1
        results = await slack.command("/pollresults", "1")
        assert results.answers[0]["response_type"] == "ephemeral"
        assert "Poll #1" in results.answers[0]["text"]


async def test_a_command_in_a_channel_the_bot_is_not_in_still_gets_its_poll_out(slack: SlackUnderTest) -> None:
    slack.fake.unreachable.add("C0PRIVATE")
    exchange = await slack.command("/poll", "whos-losing", channel="C0PRIVATE")
    assert [c.params["channel"] for c in slack.fake.calls_to("chat.postMessage")] == ["C0PRIVATE"]
    assert [a["response_type"] for a in exchange.answers] == ["in_channel"]
    assert "Who's losing" in exchange.answers[0]["text"]
