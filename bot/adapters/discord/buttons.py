"""Persistent poll buttons: the action id is the ``custom_id``, so a click after a restart still works.

:class:`PollButton` is registered with ``Client.add_dynamic_items`` in ``setup_hook``; discord.py
rebuilds it from any clicked ``custom_id`` that matches its template, with no per-message state.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

import discord

from bot.core.reply import Button

TEMPLATE = r"(?P<action>(?:vote|close):[a-z0-9:-]{1,94})"
"""Matches the core's action ids (``vote:<poll>:<option>``, ``close:<poll>``); the core validates them."""
TEMPLATE_PATTERN = re.compile(TEMPLATE)
MAX_LABEL = 80

STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
}


@runtime_checkable
class ButtonHandler(Protocol):
    """What the client offers the buttons: answering one press."""

    async def press_poll_button(self, interaction: discord.Interaction[Any], action_id: str) -> None: ...


class PollButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
    """A vote or Close button carrying its action id."""

    def __init__(self, action_id: str, label: str, style: discord.ButtonStyle = discord.ButtonStyle.secondary):
        super().__init__(discord.ui.Button(label=label[:MAX_LABEL], style=style, custom_id=action_id))
        self.action_id = action_id

    @classmethod
    def from_button(cls, button: Button) -> PollButton:
        return cls(button.action_id, button.label, STYLES[button.style])

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PollButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        style = item.style if isinstance(item, discord.ui.Button) else discord.ButtonStyle.secondary
        return cls(match["action"], label or "?", style)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if isinstance(interaction.client, ButtonHandler):
            await interaction.client.press_poll_button(interaction, self.action_id)
