"""Which Slack slash command runs which registry command (configurable: another app may own ``/poll``)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.registry import Registry

DEFAULT_SLASH_COMMANDS: Mapping[str, str] = {
    "whosays": "/whosays",
    "ask": "/ask",
    "compare": "/compare",
    "topic": "/topic",
    "poll": "/poll",
    "digest": "/digest",
    "help": "/debatehelp",
}
"""Registry command → slash command; ``SLACK_COMMAND_NAMES`` overrides or adds entries."""


class CommandNameError(ValueError):
    """``SLACK_COMMAND_NAMES`` names an unknown command or gives two commands one name."""


def slash_commands(registry: Registry, overrides: Mapping[str, str]) -> dict[str, str]:
    """Slash command → registry command, the defaults merged with ``overrides``."""
    wanted = {**DEFAULT_SLASH_COMMANDS, **overrides}
    by_slash: dict[str, str] = {}
    for command, slash in wanted.items():
        known = registry.get(command)
        if known is None or known.name != command:
            names = ", ".join(c.name for c in registry)
            raise CommandNameError(f"SLACK_COMMAND_NAMES: {command!r} is not a debatebot command (known: {names})")
        if slash in by_slash:
            raise CommandNameError(f"SLACK_COMMAND_NAMES: {slash} is given to both {by_slash[slash]} and {command}")
        by_slash[slash] = command
    return by_slash
