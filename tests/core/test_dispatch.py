"""The core's one entry: unknown commands, help, rate limits, buttons, and failures that never escape."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.core.actions import Action
from bot.core.ports import StoreError
from bot.core.reply import Reply
from bot.core.request import Request
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.conftest import ALICE, BOB, Chat, FakeClock


async def test_unknown_command(chat: Chat) -> None:
    answer = await chat.say("/dance now")
    assert answer.error
    assert answer.ephemeral
    assert answer.fallback == "Unknown command /dance. Type /help to see the commands."


async def test_unknown_command_in_a_structured_request(core: App) -> None:
    request = Request(platform="test", workspace="w", channel="c", user=ALICE, command="dance")
    answer = await core.handle(request)  # type: ignore[attr-defined]
    assert answer.error
    assert "Unknown command /dance" in answer.fallback


async def test_mistyped_command_gets_a_suggestion(chat: Chat) -> None:
    answer = await chat.say("/whosay lecun")
    assert answer.error
    assert answer.fallback == "Unknown command /whosay. Did you mean /whosays? Type /help to see the commands."


async def test_mistyped_command_in_a_structured_request_gets_a_suggestion(app: App) -> None:
    request = Request(platform="test", workspace="w", channel="c", user=ALICE, command="comapre")
    answer = await app.core.handle(request)
    assert answer.error
    assert answer.fallback == "Unknown command /comapre. Did you mean /compare? Type /help to see the commands."


async def test_suggestions_use_the_platforms_command_names(app: App) -> None:
    app.core.set_command_names("slack", {"help": "/debatehelp", "poll": "/poll"})
    typed = await Chat(app.core, platform="slack").say("/hlep")
    assert typed.fallback == "Unknown command /hlep. Did you mean /debatehelp? Type /debatehelp to see the commands."
    request = Request(platform="slack", workspace="w", channel="c", user=ALICE, command="pol")
    structured = await app.core.handle(request)
    assert structured.fallback == "Unknown command /pol. Did you mean /poll? Type /debatehelp to see the commands."
    elsewhere = await Chat(app.core, platform="discord").say("/hlep")
    assert elsewhere.fallback == "Unknown command /hlep. Did you mean /help? Type /help to see the commands."


async def test_unknown_argument_in_a_structured_request(app: App) -> None:
    request = Request(
        platform="test",
        workspace="w",
        channel="c",
        user=ALICE,
        command="whosays",
        args={"who": "lecun", "colour": "red"},
    )
    answer = await app.core.handle(request)
    assert answer.error
    assert "/whosays has no argument 'colour'" in answer.fallback


async def test_help_lists_visible_commands_from_the_registry(chat: Chat, app: App) -> None:
    answer = await chat.say("/help")
    for command in app.core.registry.visible():
        assert f"/{command.name}" in answer.fallback
        assert command.help in answer.fallback


async def test_help_for_one_command_shows_options_and_examples(chat: Chat) -> None:
    answer = await chat.say("/help poll")
    assert "--duration" in answer.fallback
    assert "--anonymous" in answer.fallback
    assert "Examples: /poll whos-losing" in answer.fallback
    missing = await chat.say("/help dance")
    assert missing.error
    assert "There is no command /dance." in missing.fallback


async def test_every_reply_has_a_fallback(chat: Chat) -> None:
    lines = [
        "/whosays ng",
        "/ask compute",
        "/topics",
        "/topic data",
        "/compare ng lee",
        "/help",
        "/polls",
        "/poll whos-losing",
        "/digest now",
        "/digest status",
    ]
    for line in lines:
        answer = await chat.say(line)
        assert answer.fallback.strip(), line


async def test_rate_limit_default_five_per_ten_seconds(tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'r.db'}")  # type: ignore[call-arg]
    application = build_app(settings, clock=clock, kb=kb)
    await application.start()
    try:
        chat = Chat(application.core)
        answers = [await chat.say("/topics") for _ in range(6)]
        assert not any(a.error for a in answers[:5])
        assert answers[5].error
        assert answers[5].fallback.startswith("Slow down: at most 5 commands every 10 seconds.")
        assert not (await chat.say("/topics", user=BOB)).error, "the limit is per user"
        poll_attempt = await chat.say("/poll Q? | A | B")
        assert poll_attempt.error
        assert await application.store.list_polls() == []
        clock.advance(seconds=10)
        assert not (await chat.say("/topics")).error
    finally:
        await application.stop()


async def test_a_crashing_handler_answers_and_the_core_keeps_running(app: App, chat: Chat) -> None:
    async def boom(request: Request) -> Reply:
        raise RuntimeError("disk on fire")

    command = app.core.registry.get("topics")
    assert command is not None
    object.__setattr__(command, "handler", boom)
    answer = await chat.say("/topics")
    assert answer.error
    assert "Something went wrong while running /topics" in answer.fallback
    assert "disk on fire" not in answer.fallback
    assert not (await chat.say("/whosays ng")).error


def test_foreign_button_ids_are_not_actions_and_actions_round_trip() -> None:
    for action_id in ("vote:abc:x", "close:", "delete:1", "vote:1:" + "x" * 200, "vote:1:USA", " close:1"):
        assert Action.unpack(action_id) is None, action_id
    for action in (Action.vote(12, "usa"), Action.vote(1, "too-early"), Action.close(999_999_999_999)):
        assert Action.unpack(action.pack()) == action
        assert len(action.pack()) <= 100


async def test_over_long_line_is_refused(chat: Chat) -> None:
    answer = await chat.say("/ask " + "a" * 3000)
    assert answer.error
    assert "too long (3005 characters; the limit is 2000)" in answer.fallback


def test_the_core_never_imports_a_platform_sdk() -> None:
    code = (
        "import sys, bot.app, bot.core.core, bot.cli, bot.adapters.console\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'slack_bolt', 'slack_sdk'))\n"
        "print(leaked)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


async def test_a_database_that_went_away_gets_a_plain_answer_and_the_core_keeps_running(
    app: App, chat: Chat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    poll = (await chat.say("/poll Q? | A | B")).poll
    assert poll is not None

    async def gone(**_: object) -> object:
        raise StoreError("lost the connection to PostgreSQL at db:5432 (Connection refused)")

    monkeypatch.setattr(app.store, "cast_vote", gone)
    answer = await chat.press(f"vote:{poll.poll_id}:{poll.options[0].key}")
    assert answer.error
    assert answer.fallback.strip() == (
        "The bot cannot reach its database right now, so this may not have been saved. Please try again in a moment."
    )
    assert "Traceback" not in caplog.text
    assert "the database cannot be used right now" in caplog.text
    monkeypatch.undo()
    assert not (await chat.press(f"vote:{poll.poll_id}:{poll.options[0].key}")).error
