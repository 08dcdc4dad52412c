"""Slack text objects, and Slack's limits on them.

User text is shown as typed. In ``mrkdwn`` Slack would read ``*bold*``, ``_it_``, ``~s~`` and backquotes as
formatting, and documents no way to escape them; so every piece of text from the core (which is plain text)
goes out as ``plain_text``, which Slack never formats and never turns into mentions or links. ``mrkdwn`` is
kept for the adapter's own markup, and the message's ``text`` fallback (which Slack parses) is escaped with
:func:`~bot.core.escaping.escape_slack` so that ``<!channel>``, ``<@U…>`` and ``<url|label>`` stay inert.
"""

from __future__ import annotations

from typing import Any

from bot.core.escaping import escape_slack

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_BUTTON = 75
MAX_VALUE = 2000
MAX_FALLBACK = 3000
"""Slack truncates ``text`` past 40,000 characters; notifications show far less, so keep it short."""

SlackBlock = dict[str, Any]


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escaped(text: str, limit: int) -> str:
    """``text`` escaped for mrkdwn and cut to ``limit`` characters without splitting an entity."""
    whole = escape_slack(text)
    if len(whole) <= limit:
        return whole
    out: list[str] = []
    used = 0
    for char in text:
        piece = escape_slack(char)
        if used + len(piece) > limit - 1:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out) + "…"


def plain(text: str, limit: int = MAX_SECTION) -> dict[str, Any]:
    """A ``plain_text`` object: shown exactly as given (only ``:emoji:`` codes become emoji)."""
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = MAX_SECTION) -> dict[str, Any]:
    """An mrkdwn text object for the adapter's own markup; any user text in it must be :func:`escaped`."""
    return {"type": "mrkdwn", "text": text[:limit] or " ", "verbatim": True}


def section(text: str) -> SlackBlock:
    """A section showing ``text`` as typed."""
    return {"type": "section", "text": plain(text, MAX_SECTION)}


def context(text: str) -> SlackBlock:
    """A context line (small, grey) showing ``text`` as typed."""
    return {"type": "context", "elements": [plain(text, MAX_SECTION)]}
