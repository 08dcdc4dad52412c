"""Keeping a poll's Discord message in step with the database.

The message is identified by ``"<channel id>:<message id>"`` in ``Poll.message_ref``, so
the edits work after a restart. What to draw, and when, is the shared redrawer's business
(:mod:`bot.core.redraw`): it reads the poll fresh, so a late vote can never undo a Close.
"""

from __future__ import annotations

import logging

import discord

from bot.adapters.discord.render_poll import poll_buttons, poll_embed
from bot.adapters.discord.translate import PLATFORM
from bot.core.models import Poll
from bot.core.reply import PollView

logger = logging.getLogger(__name__)


def message_ref(channel_id: int, message_id: int) -> str:
    return f"{channel_id}:{message_id}"


def parse_message_ref(ref: str | None) -> tuple[int, int] | None:
    """``(channel id, message id)`` from a stored reference, or ``None`` if it is not a Discord one."""
    channel, _, message = (ref or "").partition(":")
    if not (channel.isdigit() and message.isdigit()):
        return None
    return int(channel), int(message)


class PollMessages:
    """Draws poll messages for the :class:`~bot.core.redraw.Redrawer` (through the publisher's ``update_poll``)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.edits = 0

    async def draw(self, poll: Poll, view: PollView) -> None:
        """Edit the poll's message (its embed and buttons only) to show ``view``."""
        ref = parse_message_ref(poll.message_ref)
        if poll.channel.platform != PLATFORM or ref is None:
            return
        channel_id, message_id = ref
        message = self.client.get_partial_messageable(channel_id).get_partial_message(message_id)
        await message.edit(
            embeds=[poll_embed(view)], view=poll_buttons(view), allowed_mentions=discord.AllowedMentions.none()
        )
        self.edits += 1
