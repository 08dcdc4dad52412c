"""Keeping each poll's Slack message up to date.

A poll's message is remembered in the store as ``channel:ts`` when it is posted, so a vote on it is
drawn with ``chat.update`` even after a restart. When and what to draw is the shared redrawer's business
(:mod:`bot.core.redraw`: at most one redraw per poll per interval, read fresh from the store); this
module only knows where the message is and how to reach it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from bot.adapters.slack.outbound import Outbound
from bot.adapters.slack.render import render_poll
from bot.adapters.slack.translate import message_ref, parse_message_ref
from bot.core.models import Poll
from bot.core.ports import PollStore
from bot.core.redraw import Redrawer
from bot.core.reply import PollView

logger = logging.getLogger(__name__)

RESPONSE_URL_LIFETIME = 30 * 60.0


@dataclass(frozen=True)
class Click:
    """The message a poll button was pressed on, and that press's ``response_url``."""

    channel: str
    ts: str
    response_url: str | None
    at: float


class PollMessages:
    def __init__(self, out: Outbound, store: PollStore, redrawer: Redrawer, *, interval: float = 2.0) -> None:
        self._out = out
        self._store = store
        self._redrawer = redrawer
        self.interval = interval
        self._clicks: dict[int, Click] = {}
        self._sent: dict[int, float] = {}

    async def posted(self, view: PollView, channel: str, ts: str) -> None:
        """The poll's message is out showing ``view``: remember it (it outlives this process), and redraw it
        at once if a vote beat the remembering."""
        await self._store.set_poll_message(poll_id=view.poll_id, message_ref=message_ref(channel, ts))
        self._redrawer.shown(view)
        self._redrawer.request(view.poll_id)

    def clicked(self, poll_id: int, channel: str, ts: str, response_url: str | None) -> None:
        """A button on a poll's message was pressed: a message posted through a ``response_url`` is found this way."""
        self._clicks[poll_id] = Click(channel, ts, response_url, time.monotonic())

    async def draw(self, poll: Poll, view: PollView) -> None:
        """Show ``view`` in the poll's message: ``chat.update``, else (a message never seen) the last click's
        ``response_url``."""
        # The redrawer spaces the starts of redraws; this spaces what Slack sees, however long the reads take.
        wait = self._sent.get(poll.id, -self.interval) + self.interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        message = render_poll(view)
        click = self._clicks.get(poll.id)
        where = parse_message_ref(poll.message_ref) if poll.message_ref else None
        if where is None and click is not None:
            where = (click.channel, click.ts)
            await self._store.set_poll_message(poll_id=poll.id, message_ref=message_ref(*where))
        self._sent[poll.id] = time.monotonic()
        if where is not None:
            sent = await self._out.update(message, channel=where[0], ts=where[1])
            if sent.ok:
                return
        if click is not None and click.response_url and time.monotonic() - click.at < RESPONSE_URL_LIFETIME:
            await self._out.respond(click.response_url, message, replace_original=True)
        elif where is None:
            logger.info("poll #%d has no message to update", poll.id)
