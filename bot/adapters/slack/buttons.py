"""Poll buttons (``block_actions``): a vote or a close, answered privately, the poll's message redrawn."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.adapters.slack.context import SlackContext
from bot.adapters.slack.delivery import Target
from bot.adapters.slack.translate import PLATFORM
from bot.core.actions import parse_action
from bot.core.errors import UserError

logger = logging.getLogger(__name__)

POLL_BUTTON = re.compile(r"^(vote|close):")


def poll_of(action_id: str) -> tuple[str, int] | None:
    """``("vote", 12)`` for ``vote:12:usa``; ``None`` for anything that is not a poll button."""
    try:
        command, args = parse_action(action_id)
    except UserError:
        return None
    return command, int(args["poll"])


class PollButtons:
    def __init__(self, ctx: SlackContext) -> None:
        self.ctx = ctx

    def register(self, app: AsyncApp) -> None:
        app.action(POLL_BUTTON)(self.on_press)

    async def on_press(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        with self.ctx.pending.track():
            await ack()
            container = body.get("container") or {}
            channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
            user_id = str((body.get("user") or {}).get("id", ""))
            target = Target(channel=channel, user=user_id, response_url=body.get("response_url") or None)
            try:
                await self._press(body, action, container, target)
            except Exception:
                logger.exception("a poll button failed")
                await self.ctx.failed(target)

    async def _press(
        self, body: dict[str, Any], action: dict[str, Any], container: dict[str, Any], target: Target
    ) -> None:
        action_id = str(action.get("action_id", ""))
        pressed = poll_of(action_id)
        message_ts = container.get("message_ts")
        if pressed is not None and message_ts and not container.get("is_ephemeral"):
            self.ctx.polls.clicked(pressed[1], target.channel, str(message_ts), target.response_url)
        user = await self.ctx.user(target.user, (body.get("user") or {}).get("name"), pressed[0] if pressed else None)
        reply = await self.ctx.core.handle_action(
            platform=PLATFORM,
            workspace=self.ctx.workspace(body),
            channel=target.channel,
            user=user,
            action_id=action_id,
        )
        await self.ctx.delivery.send(reply, target)
        if reply.error and pressed is not None:
            await self.ctx.polls.redraw_if_closed(pressed[1])
