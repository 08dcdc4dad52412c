"""Slack payloads → core input: typed text, mentions, workspaces and command names."""

from __future__ import annotations

import pytest

from bot.adapters.slack.names import DEFAULT_SLASH_COMMANDS, CommandNameError, slash_commands
from bot.adapters.slack.translate import (
    Ask,
    field,
    message_line,
    moderation_of,
    parse_message_ref,
    plain_text,
    slash_line,
    without_mention,
    workspace_of,
)
from bot.core.core import Core


def test_slack_markup_becomes_the_plain_text_a_person_typed() -> None:
    text = "<@U1|ann> in <#C1|general>: <!here> see <https://x.test|the site> &lt;b&gt; &amp; <https://y.test>"
    assert plain_text(text) == "@ann in #general: @here see the site <b> & https://y.test"


def test_the_bots_own_mention_is_taken_out() -> None:
    assert without_mention("<@UBOT> who wins?", "UBOT") == "who wins?"
    assert without_mention("hey <@UBOT|debatebot>  whosays lecun", "UBOT") == "hey whosays lecun"
    assert without_mention("<@UOTHER> hi", "UBOT") == "<@UOTHER> hi"


def test_slash_commands_become_console_lines() -> None:
    assert slash_line("poll", "") is None
    assert slash_line("poll", "  ") is None
    assert slash_line("topic", "") == "/topics"
    assert slash_line("help", "") == "/help"
    assert slash_line("whosays", "") == "/whosays"
    assert slash_line("poll", "Tea? | Yes | No --anonymous") == "/poll Tea? | Yes | No --anonymous"
    assert slash_line("ask", "what about --flags &amp; &lt;things&gt;") == Ask("what about --flags & <things>")
    assert slash_line("digest", "subscribe 08:30 Europe/Berlin") == "/digest subscribe 08:30 Europe/Berlin"


def test_messages_are_commands_when_they_start_with_one_else_questions(core: Core) -> None:
    assert message_line("/whosays lecun", core.registry) == "/whosays lecun"
    assert message_line("whosays lecun", core.registry) == "/whosays lecun"
    assert message_line("Help", core.registry) == "/help"
    assert message_line("ask who wins?", core.registry) == Ask("who wins?")
    assert message_line("who thinks open source wins?", core.registry) == Ask("who thinks open source wins?")
    assert message_line("vote 1 2", core.registry) == "/vote 1 2"
    assert message_line("", core.registry) == "/help"


def test_blank_text_asks_for_help_and_a_leading_slash_is_always_a_command_line(core: Core) -> None:
    for blank in ("\u200b", " \u2800\u00a0", "\u2060\ufeff", "\x00"):
        assert message_line(blank, core.registry) == "/help"
    assert message_line("ask \u200b", core.registry) == "/help ask"
    assert slash_line("poll", "\u200b ") is None
    assert message_line("/hlep", core.registry) == "/hlep"  # the core answers "Did you mean …?"
    assert message_line("/hlep me", core.registry) == "/hlep me"
    assert message_line("hlep me", core.registry) == Ask("hlep me")


def test_payload_fields_of_the_wrong_type_read_as_empty() -> None:
    body = {"user": {"id": "U1", "name": 5}, "container": "x", "team": {"id": ["T"]}}
    assert field(body, "user", "id") == "U1"
    assert field(body, "user", "name") == ""
    assert field(body, "container", "channel_id") == ""
    assert field(body, "team", "id") == ""
    assert field(None, "x") == ""


def test_the_workspace_comes_from_wherever_the_payload_puts_it() -> None:
    assert workspace_of({"team_id": "T1"}, "T0") == "T1"
    assert workspace_of({"team": {"id": "T2"}}, "T0") == "T2"
    assert workspace_of({"user": {"id": "U1", "team_id": "T3"}}, "T0") == "T3"
    assert workspace_of({}, "T0") == "T0"


def test_message_refs_round_trip() -> None:
    assert parse_message_ref("C1:1700000000.000100") == ("C1", "1700000000.000100")
    assert parse_message_ref("nonsense") is None


def test_default_slash_commands_and_overrides(core: Core) -> None:
    names = slash_commands(core.registry, {})
    assert names == {slash: command for command, slash in DEFAULT_SLASH_COMMANDS.items()}
    renamed = slash_commands(core.registry, {"poll": "/debatepoll", "results": "/pollresults"})
    assert renamed["/debatepoll"] == "poll"
    assert renamed["/pollresults"] == "results"
    assert "/poll" not in renamed


def test_bad_command_names_are_refused(core: Core) -> None:
    with pytest.raises(CommandNameError, match="'cook' is not a debatebot command"):
        slash_commands(core.registry, {"cook": "/cook"})
    with pytest.raises(CommandNameError, match="/ask is given to both"):
        slash_commands(core.registry, {"whosays": "/ask"})


def test_the_command_a_line_runs_decides_whether_admin_rights_are_looked_up(core: Core) -> None:
    assert moderation_of(core.registry, "/digest subscribe 08:30") == "channels"
    assert moderation_of(core.registry, "/digest status") is None
    assert moderation_of(core.registry, "/Close 3") == "messages"
    assert moderation_of(core.registry, "/vote 3 1") is None
    assert moderation_of(core.registry, Ask("who wins?")) is None
    assert moderation_of(core.registry, "/") is None
