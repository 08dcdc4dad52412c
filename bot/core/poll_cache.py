"""Polls as they were created, kept in memory so that a vote reads nothing before it writes.

A poll's question, options, rules, creator and channel never change; closing it is the only change,
and it drops the poll from here. The cached copy is for those fields only: whether a poll is open is
decided by the database in the vote's own transaction, and a redraw reads the poll fresh.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.core.models import Poll
from bot.core.ports import PollStore

DEFAULT_SIZE = 1024


class PollCache:
    def __init__(self, store: PollStore, size: int = DEFAULT_SIZE) -> None:
        self._store = store
        self.size = size
        self._polls: OrderedDict[int, Poll] = OrderedDict()

    async def get(self, poll_id: int) -> Poll | None:
        """The poll (from memory after the first read), or ``None`` if there is no such poll."""
        poll = self._polls.get(poll_id)
        if poll is not None:
            self._polls.move_to_end(poll_id)
            return poll
        poll = await self._store.get_poll(poll_id=poll_id)
        if poll is not None and poll.closed_at is None:
            self._polls[poll_id] = poll
            if len(self._polls) > self.size:
                self._polls.popitem(last=False)
        return poll

    def forget(self, poll_id: int) -> None:
        """The poll closed (or may have): read it fresh next time."""
        self._polls.pop(poll_id, None)
