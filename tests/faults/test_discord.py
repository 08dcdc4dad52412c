"""Faults on Discord, through the real discord.py against the loopback fake: stray buttons, flags typed into a
text option, shutdown with answers in flight, and interaction tokens in DEBUG logs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.reply import Reply
from bot.core.request import Request
from bot.knowledge.base import KnowledgeBase
from tests.adapters.discord.conftest import ALICE, BOB, discord_settings, running_bot
from tests.adapters.discord.fake_discord import Actor, FakeDiscord, Interaction, Message, buttons, message_text
from tests.adapters.discord.fake_discord import unescape as shown
from tests.adapters.discord.payloads import CHANNEL_ID, LOADING
from tests.adapters.discord.test_scheduled import until
from tests.conftest import START, FakeClock

CAROL = Actor(100_000_000_000_000_007, "Carol")
UNKNOWN = "That button is not one of debatebot's, or it is from an old version. Use /results <poll> to see the poll."
RESTARTING = "The bot is restarting; please try again in a minute."
CALLBACK_MESSAGE, CALLBACK_DEFER = 4, 5
Click = Callable[[FakeDiscord], Awaitable[Interaction]]


def old_message(*components: dict[str, object]) -> Message:
    """A message as an older version of the bot left it, with its own components."""
    return Message(
        id=940_000_000_000_000_001, channel_id=CHANNEL_ID, components=[{"type": 1, "components": [*components]}]
    )


def old_button(custom_id: str) -> dict[str, object]:
    return {"type": 2, "style": 1, "label": "Yes", "custom_id": custom_id}


def answered_at_once(interaction: Interaction) -> bool:
    """One accepted initial response carrying a message, within Discord's 3 seconds."""
    return [(status, kind) for status, kind, _ in interaction.callbacks] == [(200, CALLBACK_MESSAGE)] and (
        interaction.latency < 3.0
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


# --- component interactions the poll buttons do not cover ------------------------------------------------------


@pytest.mark.parametrize(
    "click",
    [
        pytest.param(lambda f: f.click(old_message(old_button("poll_vote_7_1")), "poll_vote_7_1", BOB), id="foreign"),
        pytest.param(lambda f: f.click(old_message(old_button("vote:abc")), "vote:abc", BOB), id="template-only"),
        pytest.param(lambda f: f.click(old_message(), "x" * 100, BOB), id="not-on-message"),
        pytest.param(
            lambda f: f.click(
                old_message({"type": 3, "custom_id": "pick", "options": [{"label": "A", "value": "a"}]}), "pick", BOB, 3
            ),
            id="select-menu",
        ),
        pytest.param(lambda f: f.submit_modal("vote:1:1", BOB), id="modal-submit"),
    ],
)
async def test_a_component_that_is_not_a_poll_button_gets_a_private_specific_answer(
    fake: FakeDiscord,
    tmp_path: Path,
    clock: FakeClock,
    kb: KnowledgeBase,
    caplog: pytest.LogCaptureFixture,
    click: Click,
) -> None:
    async with running_bot(fake, discord_settings(fake, tmp_path / "bot.db"), clock, kb) as bot:
        poll = await fake.answer(await fake.slash("poll", ALICE, question="Tea?", options="Yes | No"))
        interaction = await click(fake)
        answer = await fake.answer(interaction, within=3)
        tally = await bot.app.store.tally(poll_id=1)
    assert answered_at_once(interaction), interaction.callbacks
    assert answer.ephemeral
    assert shown(answer.content or "") == UNKNOWN
    assert tally.total_votes == 0
    assert [b["custom_id"] for b in buttons(poll)] == ["vote:1:1", "vote:1:2", "close:1"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# --- flags typed into the question option ----------------------------------------------------------------------


async def test_flags_typed_in_the_question_are_read_as_the_typed_command_reads_them(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with running_bot(fake, discord_settings(fake, tmp_path / "bot.db"), clock, kb) as bot:
        poll = await fake.answer(await fake.slash("poll", ALICE, question="Tea? | Yes | No --duration 2h --anonymous"))
        multi = await fake.answer(await fake.slash("poll", ALICE, question="Pick | A | B | C —multi 2"))
        stored = await bot.app.store.get_poll(poll_id=1)
        picked = await bot.app.store.get_poll(poll_id=2)
    assert not poll.ephemeral
    assert [b["label"] for b in buttons(poll)] == ["Yes", "No", "Close poll"]
    assert "Poll #1: Tea?" in shown(message_text(poll))
    assert stored is not None
    assert (stored.question, [o.label for o in stored.options]) == ("Tea?", ["Yes", "No"])
    assert stored.anonymous
    assert stored.closes_at == START + timedelta(hours=2)
    assert [b["label"] for b in buttons(multi)] == ["A", "B", "C", "Close poll"]
    assert picked is not None
    assert picked.max_choices == 2


async def test_options_filled_in_through_discord_win_over_flags_typed_in_the_question(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    question = "Tea? | Yes | No --duration 2h --anonymous"
    async with running_bot(fake, discord_settings(fake, tmp_path / "bot.db"), clock, kb) as bot:
        await fake.answer(await fake.slash("poll", ALICE, question=question, duration="30m", anonymous=False))
        stored = await bot.app.store.get_poll(poll_id=1)
    assert stored is not None
    assert [o.label for o in stored.options] == ["Yes", "No"]
    assert stored.closes_at == START + timedelta(minutes=30)
    assert not stored.anonymous


async def test_an_unknown_flag_typed_in_the_question_gets_the_cores_error_and_creates_nothing(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with running_bot(fake, discord_settings(fake, tmp_path / "bot.db"), clock, kb) as bot:
        interaction = await fake.slash("poll", ALICE, question="Tea? | Yes | No --duration 2h --colour red")
        answer = await fake.answer(interaction)
        polls = await bot.app.store.list_polls()
    assert answered_at_once(interaction)
    assert answer.ephemeral
    assert shown(answer.content or "").startswith("/poll has no option --colour. Options: --options OPTIONS, ")
    assert polls == []


async def test_a_question_with_dashes_but_no_flags_is_kept_as_typed(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with running_bot(fake, discord_settings(fake, tmp_path / "bot.db"), clock, kb) as bot:
        await fake.answer(await fake.slash("poll", ALICE, question='Who wins — "USA" or China? | USA | China'))
        stored = await bot.app.store.get_poll(poll_id=1)
    assert stored is not None
    assert stored.question == 'Who wins — "USA" or China?'


# --- shutdown with answers in flight ---------------------------------------------------------------------------


async def test_shutdown_answers_every_deferred_interaction_and_closes_cleanly(
    fake: FakeDiscord,
    tmp_path: Path,
    clock: FakeClock,
    kb: KnowledgeBase,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    settings = discord_settings(fake, tmp_path / "bot.db")
    async with running_bot(fake, settings, clock, kb, defer_after=0.1, refresh_interval=1.5) as bot:
        poll = await fake.answer(await fake.slash("poll", ALICE, question="Tea?", options="Yes | No"))
        for voter in (ALICE, BOB):  # the second redraw waits for the refresh interval: pending at shutdown
            await fake.answer(await fake.click(poll, "vote:1:1", voter))
        real_handle, store = bot.app.core.handle, bot.app.store

        async def slow_handle(request: Request) -> Reply:
            if request.user.id == str(ALICE.id):
                await asyncio.sleep(0.5)  # slow, but done within the grace period
            else:
                while True:  # never done, and using the database until cancelled
                    await store.tally(poll_id=1)
                    await asyncio.sleep(0.02)
            return await real_handle(request)

        monkeypatch.setattr(bot.app.core, "handle", slow_handle)
        quick = await fake.slash("whosays", ALICE, who="lecun")
        stuck = await fake.slash("whosays", BOB, who="ng")
        await until(lambda: quick.deferred and stuck.deferred)
        started = time.monotonic()
        stopping = asyncio.create_task(bot.adapter.stop())  # what the runner does on SIGTERM
        await asyncio.sleep(0.05)
        late = await fake.slash("topics", CAROL)
        late_click = await fake.click(poll, "vote:1:2", CAROL)
        await stopping
        stopped_in = time.monotonic() - started
    await asyncio.sleep(0.2)  # anything the shutdown left running would now hit the closed database

    quick_answer, stuck_answer = await fake.answer(quick, within=1), await fake.answer(stuck, within=1)
    assert quick_answer.embeds[0]["title"] == "Yann LeCun", "finished within the grace period: the real answer"
    assert shown(stuck_answer.content or "") == RESTARTING
    assert stuck_answer.embeds == []
    assert [kind for _, kind, _ in stuck.callbacks] == [CALLBACK_DEFER], "edited in place, not answered twice"
    for refused in (late, late_click):
        assert answered_at_once(refused)
        answer = await fake.answer(refused, within=1)
        assert answer.ephemeral
        assert shown(answer.content or "") == RESTARTING
    assert not [m.id for m in fake.messages.values() if m.flags & LOADING], "nobody is left looking at thinking…"
    assert "2 votes · open" in message_text(poll), "the pending redraw was sent before the client closed"
    assert stopped_in < 4.0, f"bounded: {stopped_in:.1f} s"
    log = caplog.text
    for error in ("closed database", "Session is closed", "Traceback"):
        assert error not in log, log
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], log
    assert "shutting down: answers still waiting for the core: 1" in log


# --- interaction tokens in DEBUG logs --------------------------------------------------------------------------


@pytest.fixture
def redaction() -> Iterator[None]:
    """Whatever ``install_redaction`` changes in the logging module, put back after the test."""
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
    for handler in logging.getLogger().handlers:
        handler.filters = [f for f in handler.filters if type(f).__name__ != "RedactingFilter"]


async def test_interaction_tokens_never_reach_the_debug_log(
    fake: FakeDiscord,
    tmp_path: Path,
    clock: FakeClock,
    kb: KnowledgeBase,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    redaction: None,
) -> None:
    from bot.logredact import install_redaction

    caplog.set_level(logging.DEBUG)
    install_redaction([fake.token])  # as the CLI does at start-up
    settings = discord_settings(fake, tmp_path / "bot.db")
    async with running_bot(fake, settings, clock, kb, defer_after=0.1) as bot:
        poll = await fake.answer(await fake.slash("poll", ALICE, question="Tea?", options="Yes | No"))
        await fake.answer(await fake.click(poll, "vote:1:1", BOB))
        real_handle = bot.app.core.handle

        async def slow_handle(request: Request) -> Reply:
            await asyncio.sleep(0.3)  # deferred: the answer goes through the webhook URL
            return await real_handle(request)

        monkeypatch.setattr(bot.app.core, "handle", slow_handle)
        deferred = await fake.slash("topics", ALICE)
        await fake.answer(deferred)
        await bot.settle()
    assert deferred.deferred
    tokens = [interaction.token for interaction in fake.interactions.values()]
    assert len(tokens) == 3
    log = caplog.text
    assert f"/interactions/{deferred.id}/[redacted]/callback" in log, "discord.py logged the callback URL, redacted"
    for token in (*tokens, fake.token):
        assert token not in log
