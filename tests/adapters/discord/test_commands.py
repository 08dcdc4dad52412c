"""Every slash command through the real discord.py client: good input, bad input, visibility, autocomplete."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.core.reply import Reply
from bot.core.request import Request
from bot.knowledge.base import KnowledgeBase
from tests.adapters.discord.conftest import ALICE, BOB, CHANNEL_MANAGER, MOD, RunningBot, discord_settings, running_bot
from tests.adapters.discord.fake_discord import Actor, FakeDiscord, Message, buttons, message_text
from tests.adapters.discord.fake_discord import unescape as shown
from tests.conftest import FakeClock


async def run(
    fake: FakeDiscord, command: str, subcommand: str | None = None, /, *, actor: Actor = ALICE, **options: object
) -> Message:
    return await fake.answer(await fake.slash(command, actor, subcommand, **options))


def text(message: Message) -> str:
    return shown(message_text(message))


async def test_whosays_shows_a_card_with_labelled_sourced_claims(fake: FakeDiscord, bot: RunningBot) -> None:
    card = await run(fake, "whosays", who="lecun")
    assert not card.ephemeral
    assert card.embeds[0]["title"] == "Yann LeCun"
    fields = {f["name"]: f["value"] for f in card.embeds[0]["fields"]}
    assert "Paraphrase · Yann LeCun" in fields
    assert "paraphrased in China vs USA: Who's Losing the AI Race? (Nitika)" in shown(fields["Paraphrase · Yann LeCun"])
    assert "not the person's own words" in card.embeds[0]["footer"]["text"]


async def test_quotes_are_labelled_as_quotes(fake: FakeDiscord, bot: RunningBot) -> None:
    card = await run(fake, "whosays", who="kai-fu")
    names = [f["name"] for f in card.embeds[0]["fields"]]
    assert any(name.startswith("Quote · Kai") for name in names), names
    assert "quoted in" in text(card)


async def test_an_unknown_name_gets_a_private_error_with_the_known_names(fake: FakeDiscord, bot: RunningBot) -> None:
    answer = await run(fake, "whosays", who="elon musk")
    assert answer.ephemeral
    assert answer.embeds == []
    assert "No commentator matches 'elon musk'. Known commentators: Yann LeCun (lecun)" in text(answer)


async def test_ask_cites_or_says_it_has_nothing(fake: FakeDiscord, bot: RunningBot) -> None:
    cited = await run(fake, "ask", question="who thinks open source is the real winner?")
    assert cited.embeds[0]["title"].startswith("On “who thinks open source")
    assert "LeCun" in text(cited)
    nothing = await run(fake, "ask", question="what's the weather in paris")
    assert not nothing.ephemeral
    assert "Nothing in the knowledge base on that" in text(nothing)


async def test_compare_and_its_bad_input(fake: FakeDiscord, bot: RunningBot) -> None:
    both = await run(fake, "compare", first="lecun", second="wang")
    assert both.embeds[0]["title"] == "Yann LeCun vs Alexandr Wang"
    one_topic = await run(fake, "compare", first="ng", second="sacks", topic="compute")
    assert "Compute" in text(one_topic)
    same = await run(fake, "compare", first="lecun", second="le cun")
    assert same.ephemeral
    assert "Both names point to Yann LeCun" in text(same)


async def test_topics_and_topic(fake: FakeDiscord, bot: RunningBot) -> None:
    listing = await run(fake, "topics")
    assert listing.embeds[0]["title"] == "Topics"
    topic = await run(fake, "topic", name="GPUs")
    assert topic.embeds[0]["title"].startswith("Who says what on")
    unknown = await run(fake, "topic", name="the weather")
    assert unknown.ephemeral
    assert "No topic matches 'the weather'" in text(unknown)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"question": "Who wins?", "options": "USA"}, "A poll needs 2 to 10 options"),
        ({"question": "Who wins?", "options": "USA | usa"}, "Options 1 and 2 are the same"),
        ({"question": "Who wins?", "options": "A | B", "duration": "soon"}, "'soon' is not a duration"),
        ({"question": "Who wins?", "options": "A | B", "multi": "9"}, "--multi takes a number of choices from 2 to 2"),
        ({"question": "x" * 1001, "options": "A | B"}, "question is too long (1001 characters; the limit is 1000)"),
        ({"question": "Who wins?"}, "A poll needs options separated by |"),
    ],
)
async def test_poll_bad_input_is_refused_privately(
    fake: FakeDiscord, bot: RunningBot, options: dict[str, str], error: str
) -> None:
    answer = await run(fake, "poll", **options)
    assert answer.ephemeral
    assert error in text(answer)
    assert await bot.app.store.list_polls() == []


async def test_poll_options_anonymous_multi_and_duration(fake: FakeDiscord, bot: RunningBot) -> None:
    poll = await run(fake, "poll", question="Pick two | A | B | C", anonymous=True, multi="2", duration="2h")
    assert [b["label"] for b in buttons(poll)] == ["A", "B", "C", "Close poll"]
    status = poll.embeds[0]["footer"]["text"]
    assert "up to 2 choices each" in status
    assert "anonymous" in status
    assert "Closes <t:" in poll.embeds[0]["description"]


async def test_vote_results_polls_and_close_as_commands(fake: FakeDiscord, bot: RunningBot) -> None:
    await run(fake, "poll", question="Tea?", options="Yes | No")
    voted = await run(fake, "vote", actor=BOB, poll="1", option="No")
    assert voted.ephemeral
    assert "Your vote for “No” is in." in text(voted)
    missing = await run(fake, "vote", actor=BOB, poll="99", option="No")
    assert "There is no poll #99 here." in text(missing)
    results = await run(fake, "results", poll="1")
    assert results.ephemeral
    assert "1 vote · open" in results.embeds[0]["footer"]["text"]
    listing = await run(fake, "polls")
    assert listing.ephemeral
    assert "#1 Tea?" in text(listing)
    refused = await run(fake, "close", actor=BOB, poll="1")
    assert "Only the poll's creator or an admin" in text(refused)
    closed = await run(fake, "close", actor=MOD, poll="1")
    assert not closed.ephemeral
    assert "“No” wins with 1 of 1 vote" in text(closed)


async def test_digest_needs_manage_channels_to_subscribe(fake: FakeDiscord, bot: RunningBot) -> None:
    refused = await run(fake, "digest", "subscribe", time="08:30", zone="Europe/Berlin")
    assert refused.ephemeral
    assert "Only an admin can set up this channel's daily digest." in text(refused)
    done = await run(fake, "digest", "subscribe", actor=CHANNEL_MANAGER, time="08:30", zone="Europe/Berlin")
    assert "daily digest is set for 08:30 (Europe/Berlin)" in text(done)
    bad = await run(fake, "digest", "subscribe", actor=CHANNEL_MANAGER, time="25:00")
    assert bad.ephemeral
    status = await run(fake, "digest", "status", actor=BOB)
    assert status.ephemeral
    assert "08:30 (Europe/Berlin)" in text(status)
    today = await run(fake, "digest", "now", actor=BOB)
    assert today.embeds[0]["title"].startswith("Daily digest")
    assert "Quote of the day" in text(today)
    stopped = await run(fake, "digest", "unsubscribe", actor=CHANNEL_MANAGER)
    assert "daily digest is stopped" in text(stopped)


async def test_help_and_unknown_commands(fake: FakeDiscord, bot: RunningBot) -> None:
    overview = await run(fake, "help")
    assert overview.ephemeral
    assert "/whosays <who>" in text(overview)
    detail = await run(fake, "help", command="poll")
    assert "--duration" in text(detail)
    stale = await run(fake, "frobnicate")  # a command deleted since the last sync
    assert stale.ephemeral
    assert "Unknown command /frobnicate" in text(stale)


async def test_chat_users_are_rate_limited(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    settings = discord_settings(fake, tmp_path / "bot.db").model_copy(update={"rate_limit_commands": 2})
    async with running_bot(fake, settings, clock, kb):
        answers = [await run(fake, "topics") for _ in range(3)]
    assert [a.ephemeral for a in answers] == [False, False, True]
    assert "Slow down: at most 2 commands every 10 seconds" in text(answers[2])


@pytest.mark.parametrize(
    ("command", "option", "typed", "first"),
    [
        ("whosays", "who", "lec", ("Yann LeCun", "lecun")),
        ("whosays", "who", "kaifu", ("Kai-Fu Lee", "lee")),
        ("whosays", "who", "lecnu", ("Yann LeCun", "lecun")),
        ("compare", "second", "wa", ("Alexandr Wang", "wang")),
        ("compare", "topic", "gpu", ("Compute", "compute")),
        ("poll", "question", "who", ("Who's losing the AI race?", "whos-losing")),
    ],
)
async def test_autocomplete_answers_from_memory(
    fake: FakeDiscord, bot: RunningBot, command: str, option: str, typed: str, first: tuple[str, str]
) -> None:
    interaction = await fake.autocomplete(command, ALICE, option, typed)
    choices = await fake.choices(interaction)
    assert (choices[0]["name"], choices[0]["value"]) == first
    assert len(choices) <= 25
    assert interaction.callbacks[0][1] == 8


async def test_autocomplete_with_nothing_typed_lists_everyone(fake: FakeDiscord, bot: RunningBot) -> None:
    choices = await fake.choices(await fake.autocomplete("whosays", ALICE, "who", ""))
    assert {c["value"] for c in choices} == set(bot.app.kb.commentators)


async def test_a_slow_core_is_deferred_then_answered(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with running_bot(fake, discord_settings(fake, tmp_path / "bot.db"), clock, kb, defer_after=0.05) as bot:
        handle = bot.app.core.handle

        async def slow(request: Request) -> Reply:
            await asyncio.sleep(0.3)
            return await handle(request)

        bot.app.core.handle = slow  # type: ignore[method-assign]
        card_click = await fake.slash("whosays", ALICE, who="ng")
        card = await fake.answer(card_click)
        error_click = await fake.slash("whosays", ALICE, who="nobody at all")
        error = await fake.answer(error_click)
        poll = await fake.answer(await fake.slash("poll", ALICE, question="Tea?", options="Yes | No"))
        vote_click = await fake.click(poll, "vote:1:1", ALICE)
        vote = await fake.answer(vote_click)
        close_click = await fake.click(poll, "close:1", ALICE)
        closed = await fake.answer(close_click)
    assert [c[:2] for c in card_click.callbacks] == [(200, 5)], "deferred (thinking), then edited"
    assert not card.ephemeral
    assert card.embeds[0]["title"] == "Andrew Ng"
    assert [c[:2] for c in error_click.callbacks] == [(200, 5)]
    assert error.ephemeral, "a private error after a public deferral: the thinking message is replaced privately"
    assert fake.messages[error_click.messages[0]].deleted
    assert [c[:2] for c in vote_click.callbacks] == [(200, 5)]
    assert vote.ephemeral, "a button's deferral is private, and so is the vote's confirmation"
    assert fake.messages[vote_click.messages[0]] is vote
    assert not closed.ephemeral, "a public answer after a private deferral is posted publicly"
    assert "Poll #1 closed" in text(closed)
