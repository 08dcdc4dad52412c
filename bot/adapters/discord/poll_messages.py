"""Keeping a poll's Discord message in step with the database.

The message is identified by ``"<channel id>:<message id>"`` in ``Poll.message_ref``, so
the edits work after a restart. What to draw, and when, is the shared redrawer's business
(:mod:`bot.core.redraw`): it reads the poll fresh, so a late vote can never undo a Close.

A poll whose reference was never stored (the process died between posting it and storing where it went)
is found through the message its buttons were last pressed on, and the reference is stored then.
"""

from __future__ import annotations

import logging

import discord

from bot.adapters.discord.render_poll import poll_buttons, poll_embed
from bot.adapters.discord.translate import PLATFORM
from bot.core.models import Poll
from bot.core.ports import PollStore
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

    def __init__(self, client: discord.Client, store: PollStore) -> None:
        self.client = client
        self.store = store
        self.edits = 0
        self._clicked: dict[int, tuple[int, int]] = {}

    def clicked(self, poll_id: int, channel_id: int, message_id: int) -> None:
        """A button of ``poll_id`` was pressed on this (public) message."""
        self._clicked[poll_id] = (channel_id, message_id)

    async def draw(self, poll: Poll, view: PollView) -> None:
        """Edit the poll's message (its embed and buttons only) to show ``view``."""
        if poll.channel.platform != PLATFORM:
            return
        ref = parse_message_ref(poll.message_ref)
        if ref is None:
            ref = self._clicked.get(poll.id)
            if ref is None:
                logger.info("poll #%d has no message to update", poll.id)
                return
            await self.store.set_poll_message(poll_id=poll.id, message_ref=message_ref(*ref))
        channel_id, message_id = ref
        message = self.client.get_partial_messageable(channel_id).get_partial_message(message_id)
        await message.edit(
            embeds=[poll_embed(view)], view=poll_buttons(view), allowed_mentions=discord.AllowedMentions.none()
        )
        self.edits += 1
