"""Keeping a poll's Discord message in step with the database.

The message is identified by ``"<channel id>:<message id>"`` in ``Poll.message_ref``, so
the edits work after a restart. Each edit redraws the poll from the database's current
state, so a late vote's view can never undo a Close.
"""

from __future__ import annotations

import logging

import discord

from bot.adapters.discord.render_poll import poll_buttons, poll_embed
from bot.adapters.discord.translate import PLATFORM
from bot.core.clock import Clock
from bot.core.polls import poll_view
from bot.core.reply import PollView
from bot.store.port import Store
from bot.store.records import Poll

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
    """Redraws poll messages; :meth:`update` is what the :class:`~bot.adapters.refresh.PollRefresher` calls."""

    def __init__(self, client: discord.Client, store: Store, clock: Clock) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.edits = 0

    async def current(self, poll_id: int) -> tuple[Poll, PollView] | None:
        """The poll and how it looks now, or ``None`` if there is no such poll."""
        poll = await self.store.get_poll(poll_id=poll_id)
        if poll is None:
            return None
        return poll, poll_view(poll, await self.store.tally(poll_id=poll.id), self.clock.now())

    async def update(self, view: PollView) -> None:
        """Edit the poll's message (its embed and buttons only) to show the poll's current state."""
        found = await self.current(view.poll_id)
        if found is None:
            return
        poll, fresh = found
        ref = parse_message_ref(poll.message_ref)
        if poll.channel.platform != PLATFORM or ref is None:
            return
        channel_id, message_id = ref
        message = self.client.get_partial_messageable(channel_id).get_partial_message(message_id)
        await message.edit(
            embeds=[poll_embed(fresh)], view=poll_buttons(fresh), allowed_mentions=discord.AllowedMentions.none()
        )
        self.edits += 1
