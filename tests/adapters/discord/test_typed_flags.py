"""Flags typed into a text option, read by the core's parser: the pure translation on its own."""

from __future__ import annotations

import pytest

from bot.adapters.discord.typed_flags import read_typed_flags
from bot.core.core import Core
from bot.core.errors import UserError


@pytest.mark.parametrize(
    ("args", "given", "expected"),
    [
        (
            {"question": "Tea? | Yes | No --duration 2h --anonymous"},
            {"question"},
            {"question": "Tea? | Yes | No", "duration": "2h", "anonymous": "true"},
        ),
        ({"question": "Pick | A | B --multi"}, {"question"}, {"question": "Pick | A | B", "multi": "all"}),
        ({"question": "Pick | A | B –multi=2"}, {"question"}, {"question": "Pick | A | B", "multi": "2"}),
        (
            {"question": "Tea? --options Yes|No --duration 2h", "duration": "30m"},
            {"question", "duration"},
            {"question": "Tea?", "options": "Yes|No", "duration": "30m"},
        ),
        ({"question": "Tea? | Yes | No --anonymous"}, {"question", "anonymous"}, {"question": "Tea? | Yes | No"}),
        (
            {"question": "Who wins — USA or China? | A | B"},
            {"question"},
            {"question": "Who wins — USA or China? | A | B"},
        ),
        ({"question": "Is it —really— over? | A | B"}, {"question"}, {"question": "Is it —really— over? | A | B"}),
        ({"question": "--anonymous"}, {"question"}, {"anonymous": "true"}),
    ],
    ids=[
        "flags",
        "bare-multi",
        "en-dash-inline",
        "explicit-wins",
        "explicit-false-wins",
        "em-dash",
        "dash-word",
        "only",
    ],
)
def test_flags_in_the_question_are_read_and_explicit_options_win(
    core: Core, args: dict[str, str], given: set[str], expected: dict[str, str]
) -> None:
    assert read_typed_flags(core.registry, "poll", None, args, frozenset(given)) == expected


def test_an_unknown_typed_flag_raises_the_cores_error(core: Core) -> None:
    with pytest.raises(UserError, match=r"^/poll has no option --colour\. Options: --options OPTIONS, "):
        read_typed_flags(core.registry, "poll", None, {"question": "Tea? | A | B --colour red"}, {"question"})


def test_commands_without_flags_or_a_lone_text_option_are_left_alone(core: Core) -> None:
    ask = {"question": "what does --multi do?"}
    assert read_typed_flags(core.registry, "ask", None, ask, {"question"}) == ask
    vote = {"poll": "1", "option": "No --anonymous"}
    assert read_typed_flags(core.registry, "vote", None, vote, {"poll", "option"}) == vote
    assert read_typed_flags(core.registry, "nope", None, {"x": "--y"}, {"x"}) == {"x": "--y"}
