"""Where a reply goes.

- Private replies (errors, confirmations): the request's ``response_url`` as ephemeral, else
  ``chat.postEphemeral`` (in a direct message, a plain message).
- A new poll: ``chat.postMessage``, so its ``ts`` is known and stored for later ``chat.update``s; in a
  channel the bot cannot post in, the ``response_url`` (the message is then found on its first vote).
- Everything else: the ``response_url`` as ``in_channel`` when there is one, else ``chat.postMessage``.
- A reply that changed a poll (a vote, a close) leaves the poll out: the core has its own message redrawn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.adapters.slack.outbound import Outbound
from bot.adapters.slack.poll_messages import PollMessages
from bot.adapters.slack.render import SlackMessage, render_poll, render_reply
from bot.core.reply import PollView, Reply

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """Who asked, where, and how to answer them."""

    channel: str
    user: str
    response_url: str | None = None
    thread_ts: str | None = None
    direct: bool = False
    """A direct message with the bot: everything can be a plain message."""


class Delivery:
    def __init__(self, out: Outbound, polls: PollMessages) -> None:
        self._out = out
        self._polls = polls

    async def send(self, reply: Reply, target: Target) -> None:
        """Send ``reply`` to ``target`` (see the module docstring for the rules)."""
        shown = reply.poll
        if shown is not None and not reply.changed_polls and not (reply.ephemeral or reply.error):
            await self._post_poll(shown, target)  # a new poll
            return
        # a poll this reply changed is redrawn in its own message; the reply need not show it again
        leave_out = shown.poll_id if shown is not None and shown.poll_id in reply.changed_polls else None
        message = render_reply(reply, leave_out_poll=leave_out)
        if message is None:
            return
        if reply.ephemeral or reply.error:
            await self.private(message, target)
        else:
            await self.public(message, target)

    async def private(self, message: SlackMessage, target: Target) -> None:
        """Only the user who asked sees it."""
        if target.response_url and await self._out.respond(target.response_url, message, response_type="ephemeral"):
            return
        if target.direct:
            await self._out.post(message, channel=target.channel, thread_ts=target.thread_ts)
            return
        await self._out.ephemeral(message, channel=target.channel, user=target.user, thread_ts=target.thread_ts)

    async def public(self, message: SlackMessage, target: Target) -> None:
        """Everyone in the channel sees it."""
        if target.response_url and await self._out.respond(target.response_url, message, response_type="in_channel"):
            return
        await self._out.post(message, channel=target.channel, thread_ts=target.thread_ts)

    async def _post_poll(self, view: PollView, target: Target) -> None:
        message = render_poll(view)
        sent = await self._out.post(message, channel=target.channel, thread_ts=target.thread_ts)
        if sent.ok and sent.ts:
            await self._polls.posted(view, target.channel, sent.ts)
        elif sent.unreachable and target.response_url:
            logger.info(
                "cannot post in %s (%s); poll #%d goes out through the response_url",
                target.channel,
                sent.error,
                view.poll_id,
            )
            await self._out.respond(target.response_url, message, response_type="in_channel")
