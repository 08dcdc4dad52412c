"""Hostile text through the core: one rule for user text, ASCII numbers, hints that name real commands."""

from __future__ import annotations

import pytest

from bot.core.core import Core
from bot.core.usertext import clean_text
from tests.conftest import ADMIN, Chat


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Tea\x00?", "Tea?"),
        ("\x1b[2J\x1b[HTea?", "[2J[HTea?"),  # ESC removed: the sequence can no longer drive a terminal
        ("Tea\x07?", "Tea?"),
        ("Ye\u200bs", "Yes"),
        ("\u202eseY", "seY"),  # a right-to-left override would show this reversed
        ("line\nbreak\ttab", "line break tab"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # joiners inside an emoji sequence stay
        ("café", "café"),
    ],
)
def test_clean_text(typed: str, stored: str) -> None:
    assert clean_text(typed) == stored


async def test_control_characters_never_reach_the_poll(chat: Chat) -> None:
    answer = await chat.say("/poll \x1b[31mRed\x1b[0m or\x00 blue? | Red\x07 | Blue")
    assert not answer.error, answer.fallback
    assert answer.poll is not None
    for control in ("\x1b", "\x00", "\x07"):
        assert control not in answer.fallback
    assert answer.poll.question == "[31mRed[0m or blue?"
    assert [o.label for o in answer.poll.options] == ["Red", "Blue"]


async def test_invisible_characters_do_not_make_a_second_option(chat: Chat) -> None:
    answer = await chat.say("/poll Agree? | Yes | Ye\u200bs | No")
    assert answer.error
    assert answer.fallback.startswith("Options 1 and 2 are the same ('Yes')")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/results ²", "no poll"),
        ("/vote ² 1", "no poll"),
        ("/close ²", "no poll"),
        ("/poll Tea? | a | b | c --multi ²", "--multi"),
    ],
)
async def test_numbers_must_be_ascii_digits(chat: Chat, line: str, message: str) -> None:
    answer = await chat.say(line, ADMIN)
    assert answer.error, answer.fallback
    assert message in answer.fallback.casefold() or message in answer.fallback
    assert "Something went wrong" not in answer.fallback


async def test_a_superscript_is_not_an_option_number(chat: Chat) -> None:
    poll = await chat.say("/poll Tea? | Yes | No")
    assert poll.poll is not None
    answer = await chat.say(f"/vote {poll.poll.poll_id} ²")
    assert answer.error
    assert "Something went wrong" not in answer.fallback


async def test_the_unknown_flag_hint_lists_options_whole(chat: Chat) -> None:
    answer = await chat.say("/poll Tea? | a | b --colour red")
    assert answer.error
    assert answer.fallback.endswith("Options: --options OPTIONS, --duration DURATION, --anonymous, --multi [MULTI].")


async def test_a_digest_time_without_its_leading_zero_is_accepted(chat: Chat) -> None:
    answer = await chat.say("/digest subscribe 8:30 Europe/Berlin", ADMIN)
    assert not answer.error, answer.fallback
    assert "08:30" in answer.fallback


async def test_hints_name_commands_as_the_platform_spells_them(core: Core) -> None:
    core.set_command_names("slack", {"help": "/debatehelp", "ask": "/ask", "whosays": "/whosays"})
    slack = Chat(core, platform="slack")
    nothing = await slack.say("/ask what is the capital of france?")
    # /topics has no slash command in this workspace: it is named as typed in a mention.
    assert "Try “topics” (in a mention or direct message) to see what it covers." in nothing.fallback
    unknown = await slack.say("/hlep")
    assert unknown.fallback.endswith("Type /debatehelp to see the commands.")
    console = await Chat(core, platform="console").say("/ask what is the capital of france?")
    assert "Try /topics to see what it covers." in console.fallback
