"""Polls as they were created, kept in memory so that a vote reads nothing before it writes.

A poll's question, options, rules, creator and channel never change; closing it is the only change,
and it drops the poll from here. The cached copy is for those fields only: whether a poll is open is
decided by the database in the vote's own transaction, and a redraw reads the poll fresh.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from bot.core.models import Poll
from bot.core.ports import PollStore

DEFAULT_SIZE = 1024


class PollCache:
    def __init__(self, store: PollStore, size: int = DEFAULT_SIZE) -> None:
        self._store = store
        self.size = size
        self._polls: OrderedDict[int, Poll] = OrderedDict()
        self._reading: dict[int, asyncio.Future[Poll | None]] = {}

    async def get(self, poll_id: int) -> Poll | None:
        """The poll (from memory after the first read), or ``None`` if there is no such poll.

        A burst of votes on a poll not yet in memory reads it once: the others wait for that read.
        """
        poll = self._polls.get(poll_id)
        if poll is not None:
            self._polls.move_to_end(poll_id)
            return poll
        reading = self._reading.get(poll_id)
        if reading is None:
            reading = self._reading[poll_id] = asyncio.ensure_future(self._store.get_poll(poll_id=poll_id))
            reading.add_done_callback(lambda done: self._read(poll_id, done))
        return await asyncio.shield(reading)  # one caller giving up must not cancel the others' read

    def remember(self, poll: Poll) -> None:
        """A poll just created (so its first votes read nothing either)."""
        if poll.closed_at is None:
            self._polls[poll.id] = poll
            if len(self._polls) > self.size:
                self._polls.popitem(last=False)

    def _read(self, poll_id: int, done: asyncio.Future[Poll | None]) -> None:
        del self._reading[poll_id]
        if not done.cancelled() and done.exception() is None and (poll := done.result()) is not None:
            self.remember(poll)

    def forget(self, poll_id: int) -> None:
        """The poll closed (or may have): read it fresh next time."""
        self._polls.pop(poll_id, None)
