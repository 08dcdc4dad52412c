"""Parsing typed commands against the registry; property tests for the parser and durations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import UserError
from bot.core.parsing import parse_duration, parse_line, tokenize
from bot.core.registry import Registry
from bot.core.services import Services


@pytest.fixture
def registry(app) -> Registry:  # type: ignore[no-untyped-def]
    return app.core.registry


def test_tokenize_keeps_apostrophes_and_groups_double_quotes() -> None:
    assert tokenize('/compare "kai fu lee" lecun') == ["/compare", "kai fu lee", "lecun"]
    assert tokenize("/poll Who's losing? | A | B") == ["/poll", "Who's", "losing?", "|", "A", "|", "B"]
    assert tokenize("/poll “Smart quotes” —anonymous") == ["/poll", "Smart quotes", "--anonymous"]


def test_parse_poll_line(registry: Registry) -> None:
    parsed = parse_line(registry, "/poll Who's losing? | USA | China --duration 2h --anonymous --multi")
    assert parsed.command == "poll"
    assert parsed.args == {
        "question": "Who's losing? | USA | China",
        "duration": "2h",
        "anonymous": "true",
        "multi": "all",
    }
    assert parse_line(registry, "/poll Q | A | B --multi=2").args["multi"] == "2"


def test_parse_subcommand(registry: Registry) -> None:
    parsed = parse_line(registry, "digest SUBSCRIBE 08:00 Europe/Berlin")
    assert (parsed.command, parsed.subcommand, parsed.args) == (
        "digest",
        "subscribe",
        {"time": "08:00", "zone": "Europe/Berlin"},
    )


def test_compare_topic_takes_the_rest_of_the_line(registry: Registry) -> None:
    parsed = parse_line(registry, '/compare "kai-fu lee" lecun on chip restrictions')
    assert parsed.args == {"first": "kai-fu lee", "second": "lecun", "topic": "on chip restrictions"}


@pytest.mark.parametrize(
    ("line", "suggestion"),
    [
        ("/whosay lecun", "/whosays"),
        ("/pol Tea? | a | b", "/poll"),
        ("/hlep", "/help"),
        ("/comapre lecun ng", "/compare"),
        ("/result 3", "/results"),
        ("/WHOSAY lecun", "/whosays"),
    ],
)
def test_unknown_command_suggests_the_nearest(registry: Registry, line: str, suggestion: str) -> None:
    typed = line.split()[0].casefold()
    with pytest.raises(UserError) as caught:
        parse_line(registry, line)
    assert str(caught.value) == f"Unknown command {typed}. Did you mean {suggestion}? Type /help to see the commands."


@pytest.mark.parametrize("line", ["/xyzzy", "/hello there", "/dance", "/frobnicate now"])
def test_unknown_command_without_a_close_one_only_points_to_help(registry: Registry, line: str) -> None:
    typed = line.split()[0]
    with pytest.raises(UserError) as caught:
        parse_line(registry, line)
    assert str(caught.value) == f"Unknown command {typed}. Type /help to see the commands."


def test_unknown_command_uses_the_platforms_spelling(registry: Registry) -> None:
    slack = {"help": "/debatehelp", "whosays": "/whosays"}
    with pytest.raises(UserError) as caught:
        parse_line(registry, "hlep", slack)
    assert str(caught.value) == "Unknown command /hlep. Did you mean /debatehelp? Type /debatehelp to see the commands."
    with pytest.raises(UserError) as caught:
        parse_line(registry, "/topicz", slack)
    assert str(caught.value) == "Unknown command /topicz. Did you mean /topic? Type /debatehelp to see the commands."


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "Type a command"),
        ("/", "Unknown command /"),
        ("/close 1 2", "Too many words for /close: '2'"),
        ("/topics extra", "Too many words for /topics"),
        ("/poll Q | A | B --multi 2 --nope", "/poll has no option --nope"),
        ("/whosays --anonymous", "/whosays has no option --anonymous"),
    ],
)
def test_parse_errors(registry: Registry, line: str, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("?", r"\?").replace("|", r"\|")):
        parse_line(registry, line)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1h30m", timedelta(minutes=90)),
        ("32d", timedelta(days=32)),
        ("1M", timedelta(minutes=1)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@given(st.text(max_size=300))
def test_parse_line_never_fails_unexpectedly(text: str) -> None:
    registry = _REGISTRY
    try:
        parsed = parse_line(registry, text)
    except UserError as exc:
        message = str(exc)
        assert message
    else:
        command = registry.get(parsed.command)
        assert command is not None
        target = command.subcommand(parsed.subcommand) if parsed.subcommand else command
        assert target is not None
        assert set(parsed.args) <= {a.name for a in target.args}


@given(st.integers(0, 40), st.integers(0, 30), st.integers(0, 59))
def test_duration_round_trip(days: int, hours: int, minutes: int) -> None:
    text = f"{days}d{hours}h{minutes}m"
    total = timedelta(days=days, hours=hours, minutes=minutes)
    if timedelta(minutes=1) <= total <= timedelta(days=32):
        assert parse_duration(text) == total
    else:
        with pytest.raises(UserError):
            parse_duration(text)


@given(st.lists(st.text(alphabet="abc XY", min_size=1, max_size=6), min_size=2, max_size=4))
def test_poll_option_words_survive_parsing(words: list[str]) -> None:
    line = "/poll Question? | " + " | ".join(words)
    parsed = parse_line(_REGISTRY, line)
    parts = [p.strip() for p in parsed.args["question"].split("|")]
    assert parts[0] == "Question?"
    assert [" ".join(p.split()) for p in parts[1:]] == [" ".join(w.split()) for w in words]


def _build_registry() -> Registry:
    from bot.core.core import build_registry
    from bot.core.poll_cache import PollCache
    from bot.knowledge.loader import load_knowledge
    from bot.knowledge.names import NameIndex
    from bot.knowledge.search import ClaimSearch
    from bot.store.sqlite import SQLiteStore
    from tests.conftest import KNOWLEDGE_DIR, FakeClock

    kb = load_knowledge(KNOWLEDGE_DIR)
    names = NameIndex(kb.commentators.values())
    store = SQLiteStore("unused.db")
    services = Services(
        kb=kb, names=names, search=ClaimSearch(kb, names), store=store, clock=FakeClock(), polls=PollCache(store)
    )
    return build_registry(services)


_REGISTRY = _build_registry()
