"""Polls on Discord: buttons that survive nothing but their custom_id, votes, Close permissions, mentions, bursts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from tests.adapters.discord.conftest import ALICE, BOB, MOD, RunningBot, discord_settings, running_bot
from tests.adapters.discord.fake_discord import Actor, FakeDiscord, Message, buttons, message_text, unescape
from tests.conftest import FakeClock


async def new_poll(fake: FakeDiscord, question: str = "Who wins?", options: str = "USA | China") -> Message:
    message = await fake.answer(await fake.slash("poll", ALICE, question=question, options=options))
    assert not message.ephemeral
    return message


def button(message: Message, label: str) -> str:
    return next(b["custom_id"] for b in buttons(message) if b["label"] == label)


async def test_a_poll_posts_bars_and_one_button_per_option_plus_close(fake: FakeDiscord, bot: RunningBot) -> None:
    message = await new_poll(fake)
    assert [b["label"] for b in buttons(message)] == ["USA", "China", "Close poll"]
    assert [b["custom_id"] for b in buttons(message)] == ["vote:1:1", "vote:1:2", "close:1"]
    shown = unescape(message_text(message))
    assert "Poll #1: Who wins?" in shown
    assert "░░░░░░░░░░ 0% · 0 votes" in shown.replace("`", "")
    poll = await bot.app.store.get_poll(poll_id=1)
    assert poll is not None
    assert poll.message_ref == f"{message.channel_id}:{message.id}"


async def test_a_vote_is_confirmed_privately_and_the_poll_message_redrawn(fake: FakeDiscord, bot: RunningBot) -> None:
    message = await new_poll(fake)
    answer = await fake.answer(await fake.click(message, button(message, "China"), BOB))
    assert answer.ephemeral
    assert unescape(answer.content or "") == "Your vote for “China” is in."
    await bot.settle()
    assert "1 vote · open" in message_text(message)
    assert "`██████████` 100%" in message_text(message)
    assert [b["label"] for b in buttons(message)] == ["USA", "China", "Close poll"], "the buttons stay"
    again = await fake.answer(await fake.click(message, button(message, "China"), BOB))
    assert "your vote stays" in unescape(again.content or "")


async def test_a_poll_whose_message_was_never_stored_is_found_by_its_button_and_redrawn(
    fake: FakeDiscord, bot: RunningBot
) -> None:
    """As after a process died between posting a poll and storing where it went."""
    message = await new_poll(fake)
    await bot.settle()
    await bot.app.store.set_poll_message(poll_id=1, message_ref="")
    await fake.answer(await fake.click(message, button(message, "USA"), BOB))
    await bot.settle()
    assert "1 vote · open" in message_text(message)
    poll = await bot.app.store.get_poll(poll_id=1)
    assert poll is not None
    assert poll.message_ref == f"{message.channel_id}:{message.id}", "stored again, for the next process"


async def test_a_preset_vote_says_who_leans_your_way(fake: FakeDiscord, bot: RunningBot) -> None:
    message = await fake.answer(await fake.slash("poll", ALICE, question="whos-losing"))
    assert "Who's losing the AI race?" in unescape(message_text(message))
    answer = await fake.answer(await fake.click(message, button(message, "China"), BOB))
    assert "Leaning toward “China” (knowledge base reading): Kai-Fu Lee" in unescape(answer.content or "")


async def test_close_is_refused_to_others_and_accepted_from_the_creator(fake: FakeDiscord, bot: RunningBot) -> None:
    message = await new_poll(fake)
    await fake.answer(await fake.click(message, button(message, "USA"), BOB))
    refused = await fake.answer(await fake.click(message, "close:1", BOB))
    assert refused.ephemeral
    assert "Only the poll's creator or an admin can close poll #1." in unescape(refused.content or "")
    poll = await bot.app.store.get_poll(poll_id=1)
    assert poll is not None
    assert poll.closed_at is None

    closed = await fake.answer(await fake.click(message, "close:1", ALICE))
    assert not closed.ephemeral, "the result is announced to the channel"
    assert "Poll #1 closed: “USA” wins with 1 of 1 vote." in unescape(message_text(closed))
    await bot.settle()
    assert buttons(message) == [], "the poll message loses its buttons"
    assert "closed" in message_text(message)
    late = await fake.answer(await fake.click(message, "vote:1:1", BOB))  # a click racing the Close
    assert "Poll #1 is closed" in unescape(late.content or "")


async def test_close_is_accepted_from_a_member_with_manage_messages(fake: FakeDiscord, bot: RunningBot) -> None:
    message = await new_poll(fake)
    closed = await fake.answer(await fake.click(message, "close:1", MOD))
    assert "Poll #1 closed with no votes." in unescape(message_text(closed))


async def test_permissions_are_read_at_click_time(fake: FakeDiscord, bot: RunningBot) -> None:
    message = await new_poll(fake)
    demoted = Actor(MOD.id, MOD.name)  # the same member after losing Manage Messages
    refused = await fake.answer(await fake.click(message, "close:1", demoted))
    assert "Only the poll's creator" in unescape(refused.content or "")


async def test_everyone_and_role_mentions_in_a_question_never_ping(fake: FakeDiscord, bot: RunningBot) -> None:
    question = "@everyone @here <@&555555555555555555> <@100000000000000002> who wins?"
    message = await new_poll(fake, question=question, options="@everyone | <@&555555555555555555>")
    answer = await fake.answer(await fake.click(message, button(message, "@everyone"), BOB))
    await bot.settle()
    sent = [m for m in fake.messages.values() if m.allowed_mentions]
    assert sent, "the fake recorded the bot's messages"
    for recorded in sent:
        assert all(mentions == {"parse": []} for mentions in recorded.allowed_mentions), recorded.allowed_mentions
        rendered = message_text(recorded)
        for live in ("@everyone", "@here", "<@&555555555555555555>", "<@100000000000000002>"):
            assert live not in rendered, f"{live!r} left live in {rendered!r}"
    assert question in unescape(message_text(message)), "readers still see the question as typed"
    assert answer.ephemeral


async def test_200_members_clicking_at_once_are_all_answered_in_time_and_counted(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    settings = discord_settings(fake, tmp_path / "bot.db")
    async with running_bot(fake, settings, clock, kb, refresh_interval=2.0) as bot:
        message = await new_poll(fake, options="USA | China | Neither | Too early")
        choices = [b["custom_id"] for b in buttons(message)][:4]
        members = [Actor(300_000_000_000_000_000 + n, f"Member {n}") for n in range(200)]
        started = time.monotonic()
        clicks = [await fake.click(message, choices[n % 4], member) for n, member in enumerate(members)]
        answers = await asyncio.gather(*(fake.answer(click, within=15) for click in clicks))
        burst = time.monotonic() - started
        await bot.settle()
        tally = await bot.app.store.tally(poll_id=1)

    statuses = [status for click in clicks for status, _, _ in click.callbacks]
    latencies = [click.latency for click in clicks]
    assert statuses == [200] * 200, "one accepted initial response per click, no 10062 or 40060"
    assert max(latencies) < 3.0, max(latencies)
    assert all(a.ephemeral and "is in" in unescape(a.content or "") for a in answers)
    assert tally.voters == 200
    assert tally.total_votes == 200
    assert tally.counts == {"1": 50, "2": 50, "3": 50, "4": 50}
    edits = [body for message_id, _, body in fake.channel_edits if message_id == message.id]
    assert 1 <= len(edits) <= burst / 2.0 + 2, (len(edits), burst)
    assert "200 votes · open" in message_text(message), "the final state is shown"
    print(f"\n200 clicks: max initial response {max(latencies):.3f}s, {len(edits)} poll edits, burst {burst:.2f}s")


async def test_one_member_clicking_20_times_at_once_votes_once(fake: FakeDiscord, bot: RunningBot) -> None:
    message = await new_poll(fake)
    clicks = [await fake.click(message, button(message, "USA"), BOB) for _ in range(20)]
    await asyncio.gather(*(fake.answer(click) for click in clicks))
    assert all(click.callbacks[0][0] == 200 for click in clicks)
    tally = await bot.app.store.tally(poll_id=1)
    assert tally.voters == 1
    assert tally.total_votes == 1
