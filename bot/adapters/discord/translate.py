"""Translating Discord interactions into the core's :class:`~bot.core.request.Request`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import discord

from bot.adapters.discord.typed_flags import read_typed_flags
from bot.core.actions import Action
from bot.core.inbound import action_request
from bot.core.registry import Moderates, Registry
from bot.core.request import Request, User

PLATFORM = "discord"
DM_WORKSPACE = "dm"
_GROUPS = (1, 2)  # SUB_COMMAND, SUB_COMMAND_GROUP

MODERATOR_PERMISSIONS: dict[Moderates, tuple[str, ...]] = {
    "messages": ("manage_messages", "manage_guild"),
    "channels": ("manage_channels", "manage_guild"),
}
"""Which permissions make a member an admin for what a command moderates (the registry's ``admin`` flag);
Administrator always does. Read from the interaction, so they are the member's permissions there, now."""


@dataclass(frozen=True)
class Invocation:
    """A slash command as typed: its name, subcommand and argument values as text."""

    command: str
    subcommand: str | None
    args: dict[str, str]
    focused: str | None = None
    """For autocomplete: the option being typed."""
    given: frozenset[str] = frozenset()
    """Every option the member filled in, ``False`` flags included."""


def _text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else None
    return None if value is None else str(value)


def parse_command_data(data: Mapping[str, Any]) -> Invocation:
    """Read ``interaction.data`` of a chat-input command or autocomplete; ``False`` flags are left out."""
    options: Sequence[Mapping[str, Any]] = data.get("options") or []
    subcommand = None
    while options and options[0].get("type") in _GROUPS:
        subcommand = str(options[0]["name"])
        options = options[0].get("options") or []
    args: dict[str, str] = {}
    focused = None
    for option in options:
        if option.get("focused"):
            focused = str(option["name"])
        if (text := _text(option.get("value"))) is not None:
            args[str(option["name"])] = text
    given = frozenset(str(option["name"]) for option in options)
    return Invocation(str(data.get("name", "")), subcommand, args, focused, given)


def is_admin(moderates: Moderates | None, permissions: discord.Permissions) -> bool:
    """Whether ``permissions`` (the member's, in this channel, now) make them an admin for a command that
    moderates ``moderates`` (``None``: a command anyone may use; nobody is an admin for it)."""
    if moderates is None:
        return False
    return permissions.administrator or any(getattr(permissions, name) for name in MODERATOR_PERMISSIONS[moderates])


def interaction_data(interaction: discord.Interaction[Any]) -> Mapping[str, Any]:
    """``interaction.data`` as a plain mapping (empty when absent)."""
    return cast(Mapping[str, Any], interaction.data or {})


def place(interaction: discord.Interaction[Any]) -> tuple[str, str]:
    """``(workspace, channel)``: the guild id (or ``dm``) and the channel id."""
    workspace = str(interaction.guild_id) if interaction.guild_id is not None else DM_WORKSPACE
    return workspace, str(interaction.channel_id or interaction.user.id)


def user_for(interaction: discord.Interaction[Any], moderates: Moderates | None) -> User:
    """The member behind ``interaction``; an admin if their current permissions say so for ``moderates``."""
    name = interaction.user.display_name or interaction.user.name
    admin = moderates is not None and is_admin(moderates, interaction.permissions)  # permissions read only if needed
    return User(id=str(interaction.user.id), display_name=name[:100], is_admin=admin)


def action_to_request(interaction: discord.Interaction[Any], action: Action, registry: Registry) -> Request:
    """A poll button's click as a core request."""
    workspace, channel = place(interaction)
    user = user_for(interaction, registry.admin(action.kind))
    return action_request(action, platform=PLATFORM, workspace=workspace, channel=channel, user=user)


def to_request(interaction: discord.Interaction[Any], registry: Registry) -> Request:
    """A chat-input command interaction as a core request; flags typed in its text are read.

    Raises:
        UserError: a flag typed in the text that the command does not have (the core's message).
    """
    invocation = parse_command_data(interaction_data(interaction))
    args = read_typed_flags(registry, invocation.command, invocation.subcommand, invocation.args, invocation.given)
    workspace, channel = place(interaction)
    return Request(
        platform=PLATFORM,
        workspace=workspace,
        channel=channel,
        user=user_for(interaction, registry.admin(invocation.command, invocation.subcommand)),
        command=invocation.command[:64],
        subcommand=invocation.subcommand,
        args=args,
    )
