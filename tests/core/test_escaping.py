"""User text must never become a mention, a link or markup on any platform."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.core.escaping import escape_discord, escape_slack

DISCORD_LIVE = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>")
SLACK_LIVE = re.compile(r"<[!@#][^>]*>|<https?://[^>]*>")


def test_discord_mentions_are_broken() -> None:
    for text in ("@everyone look", "@here", "<@123456789>", "<@&987654321>", "<@!42>", "<#1234>"):
        assert not DISCORD_LIVE.search(escape_discord(text)), text


def test_discord_markdown_is_escaped() -> None:
    assert escape_discord("**bold** _it_ `code` ||spoiler|| > quote") == (
        r"\*\*bold\*\* \_it\_ \`code\` \|\|spoiler\|\| \> quote"
    )
    assert escape_discord("[click](https://evil.example)") == r"\[click\]\(https://evil.example\)"


def test_slack_control_sequences_are_escaped() -> None:
    assert escape_slack("<!channel> <@U123> <https://x.example|y> & co") == (
        "&lt;!channel&gt; &lt;@U123&gt; &lt;https://x.example|y&gt; &amp; co"
    )


@given(st.text(max_size=200))
def test_no_input_produces_a_live_mention(text: str) -> None:
    assert not DISCORD_LIVE.search(escape_discord(text))
    assert not SLACK_LIVE.search(escape_slack(text))
    assert "<" not in escape_slack(text)
