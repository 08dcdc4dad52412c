"""Slash-command definitions generated from the core's command registry, and their hash.

Discord limits command creates (200 a day per guild), so the adapter syncs only when
:func:`definitions_hash` differs from the hash stored after the last sync.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from bot.core.registry import Argument, Command, Registry

SUB_COMMAND, STRING, BOOLEAN = 1, 3, 5
"""Discord application-command option types."""
CHAT_INPUT = 1
GUILD, BOT_DM = 0, 1
"""Interaction contexts the commands are offered in."""
GUILD_INSTALL = 0

MAX_DESCRIPTION = 100
MAX_OPTIONS = 25
MAX_STRING_LENGTH = 6000
_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


def description(text: str) -> str:
    """A registry help text cut to Discord's 1–100 characters."""
    text = " ".join(text.split()) or "-"
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1].rstrip() + "…"


def _name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a valid Discord command or option name (1-32 of a-z 0-9 - _)")
    return name


def option_payload(arg: Argument) -> dict[str, Any]:
    """One argument as a Discord option: flags are booleans, everything else a string with ``max_length``."""
    payload: dict[str, Any] = {
        "name": _name(arg.name),
        "description": description(arg.help),
        "required": arg.required,
    }
    if arg.kind == "flag":
        payload["type"] = BOOLEAN
        return payload
    payload["type"] = STRING
    payload["max_length"] = max(1, min(arg.max_length, MAX_STRING_LENGTH))
    if arg.autocomplete is not None:
        payload["autocomplete"] = True
    return payload


def _options(command: Command) -> list[dict[str, Any]]:
    if len(command.args) > MAX_OPTIONS:
        raise ValueError(f"/{command.path} has more than {MAX_OPTIONS} arguments")
    ordered = sorted(command.args, key=lambda arg: not arg.required)  # Discord wants required options first
    return [option_payload(arg) for arg in ordered]


def command_payload(command: Command) -> dict[str, Any]:
    """One top-level command; a command with subcommands becomes a command with ``SUB_COMMAND`` options."""
    payload: dict[str, Any] = {
        "type": CHAT_INPUT,
        "name": _name(command.name),
        "description": description(command.help),
        "contexts": [GUILD, BOT_DM],
        "integration_types": [GUILD_INSTALL],
    }
    if command.subcommands:
        payload["options"] = [
            {
                "type": SUB_COMMAND,
                "name": _name(sub.name),
                "description": description(sub.help),
                "options": _options(sub),
            }
            for sub in command.subcommands
        ]
    else:
        payload["options"] = _options(command)
    return payload


def command_payloads(registry: Registry) -> list[dict[str, Any]]:
    """Every visible registry command as a Discord chat-input command, in registry order."""
    return [command_payload(command) for command in registry.visible()]


def definitions_hash(payloads: list[dict[str, Any]]) -> str:
    """A stable hash of the definitions: the same commands always give the same hash."""
    canonical = json.dumps(payloads, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
