"""Button action ids: ``vote:<poll>:<option>`` and ``close:<poll>``, at most 100 characters."""

from __future__ import annotations

import re

from bot.core.errors import UserError

_VOTE = re.compile(r"^vote:([0-9]{1,12}):([a-z0-9-]{1,64})$")
_CLOSE = re.compile(r"^close:([0-9]{1,12})$")


def vote_action(poll_id: int, option_key: str) -> str:
    return f"vote:{poll_id}:{option_key}"


def close_action(poll_id: int) -> str:
    return f"close:{poll_id}"


def parse_action(action_id: str) -> tuple[str, dict[str, str]]:
    """The hidden command and arguments a button press stands for."""
    if match := _VOTE.match(action_id):
        return "vote", {"poll": match.group(1), "option": match.group(2)}
    if match := _CLOSE.match(action_id):
        return "close", {"poll": match.group(1)}
    raise UserError("That button is not one of debatebot's, or it is from an old version.")
