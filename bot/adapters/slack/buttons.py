"""Poll buttons (``block_actions``): a vote or a close, answered privately, the poll's message redrawn.

Every button press is taken, not only those that look like debatebot's: a press nobody answers shows the
member a warning and bolt an "unhandled request" (404). A button from another app or an old version of
debatebot gets a private answer saying so.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.context import SlackContext
from bot.adapters.slack.render import render_blocks
from bot.adapters.slack.send import Target
from bot.adapters.slack.translate import PLATFORM, field
from bot.core.actions import Action
from bot.core.inbound import action_request
from bot.core.reply import Reply, Text

logger = logging.getLogger(__name__)

ANY_BUTTON: dict[str, str | re.Pattern[str]] = {"type": "block_actions", "action_id": re.compile(r"")}
"""Bolt's constraint for every ``block_actions`` press (the empty pattern is found in any ``action_id``)."""
UNKNOWN_BUTTON = "That button is not one of debatebot's, or it is from an old version. {see} to see the poll."


def unknown_button(results_slash: str | None) -> str:
    """What a press on a button that is not a poll button gets, naming how to see a poll in this workspace."""
    see = f"Use {results_slash} <poll>" if results_slash else "Mention me with “results <poll>”"
    return UNKNOWN_BUTTON.format(see=see)


class PollButtons:
    def __init__(self, ctx: SlackContext, results_slash: str | None = None) -> None:
        self.ctx = ctx
        self.unknown = unknown_button(results_slash)

    def register(self, app: AsyncApp) -> None:
        app.action(ANY_BUTTON)(self.on_press)

    async def on_press(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        with self.ctx.inflight.track():
            await ack()
            channel = field(body, "container", "channel_id") or field(body, "channel", "id")
            response_url = field(body, "response_url") or None
            target = Target(channel=channel, user=field(body, "user", "id"), response_url=response_url)
            try:
                if not await self.ctx.refuse_if_stopping(target):
                    await self.ctx.ack_first.turn()  # taken: finished even if shutdown begins meanwhile
                    await self._press(body, field(action, "action_id"), target)
            except Exception:
                logger.exception("a poll button failed")
                await self.ctx.failed(target)

    async def _press(self, body: dict[str, Any], action_id: str, target: Target) -> None:
        action = Action.unpack(action_id)
        if action is None:
            logger.info("a press on a button that is not debatebot's (action_id %.60r)", action_id)
            await self.ctx.delivery.private(render_blocks([Text(text=self.unknown)]), target)
            return
        message_ts = field(body, "container", "message_ts")
        container = body.get("container")
        if message_ts and not (isinstance(container, dict) and container.get("is_ephemeral")):
            self.ctx.polls.clicked(action.poll_id, target.channel, message_ts, target.response_url)
        reply = await self.ctx.outcome(self._vote_or_close(body, action, target))
        await self.ctx.delivery.send(reply, target)

    async def _vote_or_close(self, body: dict[str, Any], action: Action, target: Target) -> Reply:
        core = self.ctx.core
        user = await self.ctx.user(target.user, field(body, "user", "name") or None, core.registry.admin(action.kind))
        request = action_request(
            action, platform=PLATFORM, workspace=self.ctx.workspace(body), channel=target.channel, user=user
        )
        return await core.handle(request)
