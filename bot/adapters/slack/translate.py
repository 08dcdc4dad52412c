"""Slack payloads → what the core takes: users, workspaces, and typed text as a command line or a question."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.registry import Moderates, Registry
from bot.core.request import User

PLATFORM = "slack"

_MARKUP = re.compile(r"<([^<>]*)>")
_SPACE = re.compile(r"\s+")
_BLANK_LOOKING = frozenset("\u2800\u3164\u115f\u1160\uffa0")
"""Characters that print as nothing although Unicode does not call them spaces (braille blank, Hangul fillers)."""
EMPTY_TEXT = {"poll": None, "topic": "/topics", "help": "/help"}
"""What a slash command sent without text means: ``None`` opens the poll modal."""


@dataclass(frozen=True)
class Ask:
    """Free text that is not a command: a question for ``/ask``."""

    question: str


def _markup(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith(("@", "#")):
        return target[0] + label if label else target
    if target.startswith("!"):
        return "@" + (label or target[1:].split("^")[0])
    return label or target


def plain_text(text: str) -> str:
    """Slack message markup as the plain text a person typed.

    ``<@U1|ann>`` → ``@ann``, ``<#C1|general>`` → ``#general``, ``<!here>`` → ``@here``,
    ``<https://x|label>`` → ``label``; then ``&lt;``, ``&gt;`` and ``&amp;`` are decoded.
    The result is plain text again: renderers escape it on the way out.
    """
    text = _MARKUP.sub(_markup, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def without_mention(text: str, bot_user_id: str | None) -> str:
    """The text of an ``app_mention`` with the bot's own mention taken out."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return _SPACE.sub(" ", text).strip()


def slash_line(command: str, text: str) -> str | Ask | None:
    """The console-style line a slash command stands for; ``None`` means "open the poll modal"."""
    text = plain_text(text).strip()
    if is_blank(text):
        return EMPTY_TEXT.get(command, f"/{command}")
    if command == "ask":
        return Ask(text)
    return f"/{command} {text}"


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: spaces, control and invisible format characters, blank-looking letters."""
    return all(char.isspace() or char in _BLANK_LOOKING or unicodedata.category(char) in ("Cc", "Cf") for char in text)


def message_line(text: str, registry: Registry) -> str | Ask:
    """A mention or direct message: a command if it starts with one (``/whosays lecun``, ``help``), else a question.

    Nothing but the mention (or only blank characters) asks for help. A line that starts with ``/`` is always
    a command line, so a misspelt ``/hlep`` gets the core's "did you mean" rather than a search.
    """
    text = plain_text(text).strip()
    if is_blank(text):
        return "/help"
    first = text.split(maxsplit=1)[0]
    command = registry.get(first.removeprefix("/"))
    if command is not None and command.name == "ask":
        rest = text[len(first) :].strip()
        return Ask(rest) if not is_blank(rest) else "/help ask"
    if command is not None and not command.hidden:
        return f"/{command.name}{text[len(first) :]}"
    if text.startswith("/"):
        return text
    return Ask(text)


def moderation_of(registry: Registry, typed: str | Ask) -> Moderates | None:
    """What the typed command needs an admin for (the registry's flag), so admins are looked up only then."""
    if isinstance(typed, Ask):
        return None
    words = typed.removeprefix("/").split(maxsplit=2)
    if not words:
        return None
    return registry.admin(words[0].casefold(), words[1].casefold() if len(words) > 1 else None)


def field(value: object, *path: str) -> str:
    """The text at ``path`` inside a payload's nested objects; ``""`` when it is missing or not text."""
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) else ""


def workspace_of(body: Mapping[str, Any], default: str) -> str:
    """The team a payload comes from (slash commands, interactions and events spell it differently)."""
    team = body.get("team")
    candidates = (
        body.get("team_id"),
        team.get("id") if isinstance(team, Mapping) else None,
        (body.get("user") or {}).get("team_id") if isinstance(body.get("user"), Mapping) else None,
    )
    return next((str(c) for c in candidates if c), default)


def slack_user(user_id: str, name: str | None, *, is_admin: bool) -> User:
    return User(id=user_id, display_name=(name or user_id)[:100], is_admin=is_admin)


def message_ref(channel: str, ts: str) -> str:
    """How a poll's message is remembered in the store: ``channel:ts``."""
    return f"{channel}:{ts}"


def parse_message_ref(ref: str) -> tuple[str, str] | None:
    channel, sep, ts = ref.partition(":")
    return (channel, ts) if sep and channel and ts else None
