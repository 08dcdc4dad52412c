"""Button actions: what a poll button sends back, packed as ``vote:<poll>:<option>`` or ``close:<poll>``.

Packed and unpacked here and nowhere else; a packed action is at most 100 characters (Discord's
``custom_id`` and Slack's ``action_id`` limits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_PACKED = re.compile(r"^(?:vote:([0-9]{1,12}):([a-z0-9-]{1,64})|close:([0-9]{1,12}))$")


@dataclass(frozen=True)
class Action:
    """A vote for ``option`` in poll ``poll_id``, or closing it."""

    kind: Literal["vote", "close"]
    poll_id: int
    option: str | None = None

    @classmethod
    def vote(cls, poll_id: int, option: str) -> Action:
        return cls("vote", poll_id, option)

    @classmethod
    def close(cls, poll_id: int) -> Action:
        return cls("close", poll_id)

    def pack(self) -> str:
        return f"vote:{self.poll_id}:{self.option}" if self.kind == "vote" else f"close:{self.poll_id}"

    @classmethod
    def unpack(cls, packed: str) -> Action | None:
        """The action ``packed`` stands for; ``None`` for anything that is not one of debatebot's."""
        match = _PACKED.match(packed)
        if match is None:
            return None
        if match.group(3) is not None:
            return cls.close(int(match.group(3)))
        return cls.vote(int(match.group(1)), match.group(2))

    @property
    def args(self) -> dict[str, str]:
        """The arguments of the hidden command (``vote`` or ``close``) this action runs."""
        args = {"poll": str(self.poll_id)}
        if self.option is not None:
            args["option"] = self.option
        return args
