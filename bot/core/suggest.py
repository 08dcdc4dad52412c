"""Answers to a command name nobody registered: the nearest real command ("Did you mean /poll?") and the /help hint."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from rapidfuzz import fuzz, process

from bot.core.errors import UserError
from bot.core.registry import Registry
from bot.core.reply import Reply

SUGGEST_CUTOFF = 70.0
"""Lowest ``fuzz.ratio`` for a suggestion: ``pol`` → poll (86), ``hlep`` → help (75); ``hello`` → help (67) is not."""


def spelled(name: str, command_names: Mapping[str, str] | None = None) -> str:
    """How users type registry command ``name`` on a platform (``help`` is ``/debatehelp`` on Slack)."""
    return (command_names or {}).get(name, f"/{name}")


def help_hint(command_names: Mapping[str, str] | None = None) -> str:
    return f"Type {spelled('help', command_names)} to see the commands."


def closest_command(registry: Registry, typed: str) -> str | None:
    """The visible command name nearest to ``typed``, or ``None`` when none is close."""
    if not typed:
        return None
    names = [command.name for command in registry.visible()]
    best = process.extractOne(typed.casefold(), names, scorer=fuzz.ratio, score_cutoff=SUGGEST_CUTOFF)
    return best[0] if best is not None else None


def unknown_command(registry: Registry, typed: str, command_names: Mapping[str, str] | None = None) -> UserError:
    """The error for ``/typed``: a suggestion when a command is close, and always the /help hint.

    Args:
        registry: The commands that exist.
        typed: The command name as typed, without the slash.
        command_names: The platform's spelling of commands (registry name → slash command), if it renames any.
    """
    message = f"Unknown command /{typed}."
    if (suggestion := closest_command(registry, typed)) is not None:
        message += f" Did you mean {spelled(suggestion, command_names)}?"
    return UserError(f"{message} {help_hint(command_names)}")


@functools.cache
def _command_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w/])/(" + "|".join(re.escape(name) for name in names) + r")\b")


def respell(answer: Reply, registry: Registry, command_names: Mapping[str, str]) -> Reply:
    """``answer`` with every ``/command`` it mentions spelled as the platform spells it.

    A command the platform has no slash command for is named as typed in a mention or direct message.
    """
    pattern = _command_pattern(tuple(c.name for c in registry))
    if pattern.search(answer.fallback) is None:  # the fallback holds every block's text: nothing to respell
        return answer

    def spell(match: re.Match[str]) -> str:
        name = match.group(1)
        return command_names.get(name) or f"“{name}” (in a mention or direct message)"

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(spell, value)
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(walk(item) for item in value)
        return value

    return Reply.model_validate(walk(answer.model_dump()))
