"""Turning typed text (console, Slack, mentions) into a command and its arguments, and validating them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.core.errors import UserError
from bot.core.registry import Command, Registry
from bot.core.suggest import unknown_command

MAX_LINE = 2000
MAX_DURATION = timedelta(days=32)
MIN_DURATION = timedelta(minutes=1)

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_SMART = str.maketrans({"“": '"', "”": '"', "„": '"', "—": "--", "–": "--"})
_DURATION_PART = re.compile(r"([0-9]{1,5})\s*(d|h|m)", re.IGNORECASE)
_DURATION = re.compile(r"^\s*(?:[0-9]{1,5}\s*[dhm]\s*)+$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedLine:
    command: str
    subcommand: str | None = None
    args: dict[str, str] = field(default_factory=dict)


def tokenize(text: str) -> list[str]:
    """Split on white space; ``"double quotes"`` group words (apostrophes are ordinary letters)."""
    return [bare or quoted for quoted, bare in _TOKEN.findall(text.translate(_SMART))]


def parse_line(registry: Registry, line: str, command_names: Mapping[str, str] | None = None) -> ParsedLine:
    """Parse ``/command [subcommand] args…`` against the registry.

    Args:
        registry: The commands that exist.
        line: The typed line.
        command_names: How the platform spells commands, for the suggestion after an unknown one.

    Raises:
        UserError: with a message saying what is wrong and how the command is used.
    """
    if len(line) > MAX_LINE:
        raise UserError(f"That message is too long ({len(line)} characters; the limit is {MAX_LINE}).")
    tokens = tokenize(line.strip())
    if not tokens:
        raise UserError("Type a command, for example /whosays lecun, or /help for the list.")
    name = tokens[0].removeprefix("/").casefold()
    command = registry.get(name)
    if command is None or not name:
        raise unknown_command(registry, name, command_names)
    rest = tokens[1:]
    if command.subcommands:
        if not rest:
            raise UserError(f"/{command.name} needs one of: {', '.join(c.name for c in command.subcommands)}.")
        sub = command.subcommand(rest[0].casefold())
        if sub is None:
            raise UserError(
                f"Unknown /{command.name} action {rest[0]!r}; use one of: "
                f"{', '.join(c.name for c in command.subcommands)}."
            )
        return ParsedLine(command.name, sub.name, _parse_args(sub, rest[1:]))
    return ParsedLine(command.name, None, _parse_args(command, rest))


def _parse_args(command: Command, tokens: list[str]) -> dict[str, str]:
    args: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.startswith("--") and len(token) > 2:
            name, _, inline = token[2:].partition("=")
            arg = command.arg(name.casefold())
            if arg is None or arg.kind not in ("flag", "option"):
                known = [
                    a.usage.removeprefix("[").removesuffix("]") for a in command.args if a.kind in ("flag", "option")
                ]
                hint = f" Options: {', '.join(known)}." if known else ""
                raise UserError(f"/{command.path} has no option --{name}.{hint}")
            if arg.kind == "flag":
                args[arg.name] = "true"
            elif inline:
                args[arg.name] = inline
            elif index < len(tokens) and not tokens[index].startswith("--"):
                args[arg.name] = tokens[index]
                index += 1
            elif arg.bare_value is not None:
                args[arg.name] = arg.bare_value
            else:
                raise UserError(f"--{arg.name} needs a value. Usage: {command.usage}")
        else:
            positional.append(token)
    for arg in (a for a in command.args if a.kind in ("word", "text")):
        if not positional:
            break
        if arg.kind == "text":
            args[arg.name] = " ".join(positional)
            positional = []
        else:
            args[arg.name] = positional.pop(0)
    if positional:
        raise UserError(f"Too many words for /{command.path}: {' '.join(positional)!r}. Usage: {command.usage}")
    return args


def validate_args(command: Command, args: dict[str, str]) -> dict[str, str]:
    """Check names, required arguments and lengths; return the arguments stripped of surrounding space."""
    clean: dict[str, str] = {}
    for name, value in args.items():
        arg = command.arg(name)
        if arg is None:
            raise UserError(f"/{command.path} has no argument {name!r}. Usage: {command.usage}")
        value = value.strip()
        if len(value) > arg.max_length:
            raise UserError(f"{arg.name} is too long ({len(value)} characters; the limit is {arg.max_length}).")
        if value:
            clean[name] = value
    for arg in command.args:
        if arg.required and arg.name not in clean:
            raise UserError(f"/{command.path} needs {arg.usage}. Usage: {command.usage}")
    return clean


def parse_duration(text: str) -> timedelta:
    """``30m``, ``2h``, ``3d`` or combinations (``1h30m``), between 1 minute and 32 days."""
    if not _DURATION.match(text):
        raise UserError(f"{text!r} is not a duration; use minutes, hours or days such as 30m, 2h, 3d or 1h30m.")
    total = timedelta()
    for amount, unit in _DURATION_PART.findall(text):
        total += {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}[unit.lower()] * int(
            amount
        )
    if total < MIN_DURATION:
        raise UserError("A poll must run for at least 1 minute.")
    if total > MAX_DURATION:
        raise UserError("A poll can run for at most 32 days.")
    return total
