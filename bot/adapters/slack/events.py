"""Questions by mention (``app_mention``) and in direct messages (``message.im``).

Bolt acknowledges events itself before these run. Slack re-sends an event it thinks was not
delivered (up to 3 times, ``X-Slack-Retry-Num``); each ``event_id`` is claimed in the database first,
so a copy, even one arriving after a restart, is answered once. Copies are not dropped just for being
marked as retries: the first copy may never have arrived.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.context import SlackContext
from bot.adapters.slack.send import Target
from bot.adapters.slack.translate import PLATFORM, field, message_line, moderation_of, without_mention
from bot.core.reply import Reply

logger = logging.getLogger(__name__)


class MessageEvents:
    def __init__(self, ctx: SlackContext) -> None:
        self.ctx = ctx

    def register(self, app: AsyncApp) -> None:
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)

    async def on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        with self.ctx.inflight.track():
            text = without_mention(field(event, "text"), self.ctx.identity.bot_user_id)
            thread = field(event, "thread_ts") or field(event, "ts")
            await self._answer(body, event, text, thread_ts=thread or None, direct=False)

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Direct messages only; edits, joins, and other bots' messages are ignored."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        with self.ctx.inflight.track():
            text = without_mention(field(event, "text"), self.ctx.identity.bot_user_id)
            await self._answer(body, event, text, thread_ts=field(event, "thread_ts") or None, direct=True)

    async def forget_old_events(self, keep: timedelta, every: float = 3600.0) -> None:
        """Every ``every`` seconds, forget event ids older than ``keep`` (Slack's retries come within minutes)."""
        while True:
            try:
                forgotten = await self.ctx.store.prune_events(before=self.ctx.clock.now() - keep)
                logger.debug("forgot %d old Slack event ids", forgotten)
            except Exception:
                logger.exception("could not forget old Slack event ids")
            await asyncio.sleep(every)

    async def first_delivery(self, body: dict[str, Any]) -> bool:
        """Claim the event; ``False`` if another copy of it was already answered."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        if await self.ctx.store.claim_event(platform=PLATFORM, event_id=str(event_id), now=self.ctx.clock.now()):
            return True
        logger.info("event %s arrived again; it was answered already", event_id)
        return False

    async def _answer(
        self, body: dict[str, Any], event: dict[str, Any], text: str, *, thread_ts: str | None, direct: bool
    ) -> None:
        user_id, channel = field(event, "user"), field(event, "channel")
        if not user_id or not channel or not await self.first_delivery(body):
            return
        target = Target(channel=channel, user=user_id, thread_ts=thread_ts, direct=direct)
        try:
            if not await self.ctx.refuse_if_stopping(target):
                await self.ctx.ack_first.turn()
                reply = await self.ctx.outcome(self._reply(body, text, target))
                await self.ctx.delivery.send(reply, target)
        except Exception:
            logger.exception("answering event %s failed", body.get("event_id"))
            await self.ctx.failed(target)

    async def _reply(self, body: dict[str, Any], text: str, target: Target) -> Reply:
        typed = message_line(text, self.ctx.core.registry)
        user = await self.ctx.user(target.user, None, moderation_of(self.ctx.core.registry, typed))
        return await self.ctx.answer(typed, workspace=self.ctx.workspace(body), channel=target.channel, user=user)
