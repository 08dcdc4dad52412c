"""Pure functions that turn what an adapter received (a typed line, a pressed button) into a core
:class:`~bot.core.request.Request`; the core then has one entry, ``await core.handle(request)``."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.actions import Action
from bot.core.parsing import parse_line
from bot.core.registry import Registry
from bot.core.request import Request, User


def line_request(
    registry: Registry,
    line: str,
    *,
    platform: str,
    workspace: str,
    channel: str,
    user: User,
    command_names: Mapping[str, str] | None = None,
) -> Request:
    """The request a typed line such as ``/poll Who wins? | A | B --duration 2h`` stands for.

    Raises:
        UserError: the line is not a command (the message says what is wrong and suggests one).
    """
    parsed = parse_line(registry, line, command_names)
    return Request(
        platform=platform,
        workspace=workspace,
        channel=channel,
        user=user,
        command=parsed.command,
        subcommand=parsed.subcommand,
        args=parsed.args,
    )


def action_request(action: Action, *, platform: str, workspace: str, channel: str, user: User) -> Request:
    """The request a pressed poll button stands for: the hidden command ``vote`` or ``close``."""
    return Request(
        platform=platform, workspace=workspace, channel=channel, user=user, command=action.kind, args=action.args
    )
