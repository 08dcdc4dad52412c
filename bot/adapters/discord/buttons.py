"""Poll buttons on Discord: drawn as components that discord.py does not listen to, so every click comes to
:meth:`~bot.adapters.discord.client.DebateClient.on_interaction` and is answered once, there.

A button's ``custom_id`` is the core's packed :class:`~bot.core.actions.Action`, so a click on a message
posted before a restart works like any other: nothing is kept per message. The :class:`discord.ui.View`
that carries the buttons is stopped before it is sent: discord.py then neither stores it nor dispatches
clicks to it (it would otherwise rebuild the view for every click of a burst), and no
``DynamicItem`` is registered. Anything that is not one of our buttons (an id from another app, a select
menu, a modal) is answered with :data:`UNKNOWN_COMPONENT`; left alone, the member would see "This
interaction failed".
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord.translate import interaction_data
from bot.core.reply import Button

UNKNOWN_COMPONENT = (
    "That button is not one of debatebot's, or it is from an old version. Use /results <poll> to see the poll."
)
MAX_LABEL = 80
MAX_BUTTONS = 25
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
}


def button_action(interaction: discord.Interaction[Any]) -> str:
    """The action a click stands for: a button's ``custom_id``; nothing for select menus and modals (none of ours)."""
    data = interaction_data(interaction)
    is_button = data.get("component_type") == discord.ComponentType.button.value
    custom_id = data.get("custom_id")
    if interaction.type is not discord.InteractionType.component or not is_button or not isinstance(custom_id, str):
        return ""
    return custom_id


def drawn_buttons(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """The buttons as components to send; ``None`` when there are none. The view is stopped: see the module
    docstring."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:MAX_BUTTONS]:
        view.add_item(
            discord.ui.Button(label=button.label[:MAX_LABEL], style=STYLES[button.style], custom_id=button.action_id)
        )
    view.stop()
    return view
