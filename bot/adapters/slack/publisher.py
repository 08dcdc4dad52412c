"""Scheduled posts on Slack: digests and poll results, marked so a retry can find the first attempt."""

from __future__ import annotations

from bot.adapters.slack.outbound import DEFINITE, Outbound
from bot.adapters.slack.poll_messages import PollMessages
from bot.adapters.slack.render import render_blocks
from bot.adapters.slack.translate import message_ref
from bot.core.models import ChannelRef, Poll
from bot.core.publisher import PublishError
from bot.core.reply import PollView, Reply


class SlackPublisher:
    """The scheduler's :class:`~bot.core.publisher.Publisher` for Slack.

    Slack has no idempotency key for posts, so each scheduled post carries message metadata
    naming its run; after an unknown outcome the channel's recent history is searched for it.
    """

    platform = "slack"

    def __init__(self, out: Outbound, polls: PollMessages) -> None:
        self._out = out
        self._polls = polls

    async def post(self, *, channel: ChannelRef, reply: Reply, run_key: str) -> str:
        sent = await self._out.post_marked(render_blocks(reply.blocks), channel=channel.channel, run_key=run_key)
        if sent.ok and sent.ts:
            return message_ref(channel.channel, sent.ts)
        error = sent.error or "no ts in Slack's answer"
        raise PublishError(error, definite=error in DEFINITE)

    async def find_posted(self, *, channel: ChannelRef, run_key: str) -> str | None:
        ts = await self._out.find_marked(channel=channel.channel, run_key=run_key)
        return None if ts is None else message_ref(channel.channel, ts)

    async def update_poll(self, *, poll: Poll, view: PollView) -> None:
        await self._polls.draw(poll, view)
