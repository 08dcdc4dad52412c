"""The one registry of commands: it drives parsing, validation, /help and the platforms' command definitions."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from bot.core.reply import Reply
from bot.core.request import Request

ArgKind = Literal["word", "text", "flag", "option"]
"""``word``: one positional word; ``text``: the rest of the positional words; ``flag``: ``--name``;
``option``: ``--name VALUE``."""

Handler = Callable[[Request], Awaitable[Reply]]

Moderates = Literal["messages", "channels"]
"""What an admin-only command moderates: others' messages (closing someone's poll) or a channel's settings
(its digest). Each platform decides who that is: Discord by the member's permissions (Manage Messages,
Manage Channels), Slack by workspace admins and ``SLACK_ADMIN_USER_IDS``."""


@dataclass(frozen=True)
class Argument:
    name: str
    help: str
    kind: ArgKind = "word"
    required: bool = False
    max_length: int = 200
    bare_value: str | None = None
    """For an ``option`` that may stand alone (``--multi``): the value it then takes."""
    autocomplete: Literal["commentator", "topic", "preset"] | None = None

    @property
    def usage(self) -> str:
        if self.kind == "flag":
            text = f"--{self.name}"
        elif self.kind == "option":
            text = f"--{self.name} [{self.name.upper()}]" if self.bare_value else f"--{self.name} {self.name.upper()}"
        else:
            text = f"<{self.name}>"
        return text if self.required else f"[{text}]"


@dataclass(frozen=True)
class Command:
    """A command users can type (or a hidden one that buttons send)."""

    name: str
    help: str
    handler: Handler | None = None
    args: tuple[Argument, ...] = ()
    subcommands: tuple[Command, ...] = ()
    hidden: bool = False
    examples: tuple[str, ...] = ()
    admin: Moderates | None = None
    """Set when what the command does depends on the user being an admin; adapters then look that up."""
    parent: str | None = field(default=None, compare=False)

    def arg(self, name: str) -> Argument | None:
        return self._args_by_name.get(name)

    @functools.cached_property
    def _args_by_name(self) -> dict[str, Argument]:
        return {argument.name: argument for argument in self.args}

    def subcommand(self, name: str) -> Command | None:
        return next((c for c in self.subcommands if c.name == name), None)

    @property
    def path(self) -> str:
        return f"{self.parent} {self.name}" if self.parent else self.name

    @property
    def usage(self) -> str:
        if self.subcommands:
            return f"/{self.path} {' | '.join(c.name for c in self.subcommands)}"
        return " ".join([f"/{self.path}", *(a.usage for a in self.args)])


class Registry:
    """Commands by name, in the order they were added."""

    def __init__(self, commands: Iterable[Command] = ()) -> None:
        self._commands: dict[str, Command] = {}
        for command in commands:
            self.add(command)

    def add(self, command: Command) -> None:
        if command.name in self._commands:
            raise ValueError(f"command {command.name!r} registered twice")
        if command.handler is None and not command.subcommands:
            raise ValueError(f"command {command.name!r} has neither a handler nor subcommands")
        self._commands[command.name] = command

    def get(self, name: str) -> Command | None:
        return self._commands.get(name.casefold())

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def admin(self, command: str, subcommand: str | None = None) -> Moderates | None:
        """What ``/command [subcommand]`` needs an admin for (``None``: anyone may, and nobody is looked up)."""
        found = self.get(command)
        if found is not None and subcommand is not None:
            found = found.subcommand(subcommand) or found
        return None if found is None else found.admin

    def visible(self) -> list[Command]:
        return [command for command in self if not command.hidden]
