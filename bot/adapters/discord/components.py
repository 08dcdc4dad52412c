"""Which component interactions discord.py hands to :class:`PollButton`, and what every other one is told.

discord.py calls a dynamic item only when the clicked ``custom_id`` matches its template *and* the
clicked message still shows that component. Any other click (an id from another version, a vote
racing a Close that removed the buttons) and any modal submit (debatebot opens none) is the
client's to answer: left alone, the member sees "This interaction failed".
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord.buttons import TEMPLATE_PATTERN
from bot.adapters.discord.translate import interaction_data

UNKNOWN_COMPONENT = (
    "That button is not one of debatebot's, or it is from an old version. Use /results <poll> to see the poll."
)


def custom_id_of(interaction: discord.Interaction[Any]) -> str:
    """The clicked component's ``custom_id`` (empty when the payload has none)."""
    value = interaction_data(interaction).get("custom_id")
    return value if isinstance(value, str) else ""


def button_action(interaction: discord.Interaction[Any]) -> str:
    """The action a click stands for: a button's ``custom_id``; nothing for select menus and modals (none of ours)."""
    is_button = interaction_data(interaction).get("component_type") == discord.ComponentType.button.value
    return custom_id_of(interaction) if interaction.type is discord.InteractionType.component and is_button else ""


def dispatched_by_discord_py(interaction: discord.Interaction[Any]) -> bool:
    """Whether discord.py will call :class:`PollButton` for this interaction (then the client must not answer)."""
    if interaction.type is not discord.InteractionType.component or interaction.message is None:
        return False
    custom_id = custom_id_of(interaction)
    if TEMPLATE_PATTERN.fullmatch(custom_id) is None:
        return False
    kind = interaction_data(interaction).get("component_type")
    message = interaction.message
    view_cls = discord.ui.LayoutView if message.flags.components_v2 else discord.ui.View
    try:
        view = view_cls.from_message(message, timeout=None)
    except (TypeError, ValueError, KeyError):  # components discord.py cannot rebuild: it drops the click too
        return False
    return any(
        getattr(item, "custom_id", None) == custom_id and item.type.value == kind for item in view.walk_children()
    )
