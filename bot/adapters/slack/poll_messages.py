"""Keeping each poll's Slack message up to date.

A poll's message is remembered in the store as ``channel:ts`` when it is posted, so a vote on it is
drawn with ``chat.update`` even after a restart. Updates go through :class:`PollRefresher`: at most one
per poll per interval under a burst of votes, and each one redraws the poll from the store, so the last
update always shows the final count whatever order the votes finished in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from bot.adapters.refresh import PollRefresher
from bot.adapters.slack.outbound import Outbound
from bot.adapters.slack.render import render_poll
from bot.adapters.slack.translate import message_ref, parse_message_ref
from bot.core.clock import Clock
from bot.core.polls import poll_view
from bot.core.reply import PollView
from bot.store.port import Store

logger = logging.getLogger(__name__)

RESPONSE_URL_LIFETIME = 30 * 60.0
FLUSH_WAIT = 3.0
"""Seconds shutdown allows for the pending redraws (one refresh interval and a request)."""


@dataclass(frozen=True)
class Click:
    """The message a poll button was pressed on, and that press's ``response_url``."""

    channel: str
    ts: str
    response_url: str | None
    at: float


class PollMessages:
    def __init__(self, out: Outbound, store: Store, clock: Clock, *, interval: float = 2.0) -> None:
        self._out = out
        self._store = store
        self._clock = clock
        self.interval = interval
        self.refresher = PollRefresher(self._update, interval)
        self._clicks: dict[int, Click] = {}
        self._sent: dict[int, float] = {}

    async def posted(self, poll_id: int, channel: str, ts: str) -> None:
        """Remember the message that shows the poll (it outlives this process)."""
        await self._store.set_poll_message(poll_id=poll_id, message_ref=message_ref(channel, ts))

    def clicked(self, poll_id: int, channel: str, ts: str, response_url: str | None) -> None:
        """A button on a poll's message was pressed: a message posted through a ``response_url`` is found this way."""
        self._clicks[poll_id] = Click(channel, ts, response_url, time.monotonic())

    def refresh(self, view: PollView) -> None:
        """Redraw the poll's message soon (coalesced)."""
        self.refresher.request(view)

    async def redraw_if_closed(self, poll_id: int) -> None:
        """After a refused vote: a poll that closed on its deadline loses its buttons."""
        poll = await self._store.get_poll(poll_id=poll_id)
        if poll is not None and not poll.is_open(self._clock.now()):
            self.refresh(poll_view(poll, await self._store.tally(poll_id=poll_id), self._clock.now()))

    async def flush(self) -> None:
        await self.refresher.flush()

    async def flush_within(self, seconds: float = FLUSH_WAIT) -> None:
        """Send the pending redraws; those Slack has not taken within ``seconds`` are cancelled (at shutdown)."""
        try:
            async with asyncio.timeout(seconds):
                await self.refresher.flush()
        except TimeoutError:
            logger.warning("shutting down: Slack did not take the last poll-message updates in time")

    async def _update(self, requested: PollView) -> None:
        # The refresher spaces the starts of updates; this spaces what Slack sees, however long the reads take.
        wait = self._sent.get(requested.poll_id, -self.interval) + self.interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        poll = await self._store.get_poll(poll_id=requested.poll_id)
        if poll is None:
            return
        message = render_poll(poll_view(poll, await self._store.tally(poll_id=poll.id), self._clock.now()))
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
