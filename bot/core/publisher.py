"""The publisher port: how the scheduler posts to a channel and redraws a poll, on any platform."""

from __future__ import annotations

from typing import Protocol

from bot.core.models import ChannelRef, Poll
from bot.core.reply import PollView, Reply


class PublishError(Exception):
    """A post failed.

    ``definite`` failures (channel gone, bot removed, missing permission) will fail again the
    same way; the others (timeouts, server errors) are *unknown outcomes*: the post may have
    happened, so the run is reconciled before any retry.
    """

    def __init__(self, message: str, *, definite: bool) -> None:
        super().__init__(message)
        self.definite = definite


class Publisher(Protocol):
    platform: str

    async def post(self, *, channel: ChannelRef, reply: Reply, run_key: str) -> str:
        """Post ``reply`` and return a message reference.

        ``run_key`` identifies the scheduled run (a Discord nonce, Slack message metadata), so
        that :meth:`find_posted` can recognise the message after an unknown outcome.

        Raises:
            PublishError: when the post failed or its outcome is unknown.
        """
        ...

    async def find_posted(self, *, channel: ChannelRef, run_key: str) -> str | None:
        """The message an earlier attempt of ``run_key`` posted, if the platform can tell."""
        ...

    async def update_poll(self, *, poll: Poll, view: PollView) -> None:
        """Redraw the poll's message (``poll.message_ref``) to show ``view``."""
        ...
