"""Slash commands, and the poll modal that ``/poll`` without text opens.

Each listener calls ``ack()`` first, before any Web API call or database work: Slack gives it 3 seconds.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.context import SlackContext
from bot.adapters.slack.modal import CALLBACK_ID, FormErrors, ModalOrigin, poll_modal, read_submission
from bot.adapters.slack.outbound import error_code
from bot.adapters.slack.render import render_blocks
from bot.adapters.slack.send import Target
from bot.adapters.slack.translate import PLATFORM, Ask, field, moderation_of, slash_line
from bot.core.reply import Reply, Text
from bot.core.request import Request

logger = logging.getLogger(__name__)

MODAL_FAILED = "The poll form could not be opened. You can also type /{name} Question? | Option 1 | Option 2"


class SlashCommands:
    def __init__(self, ctx: SlackContext, commands: dict[str, str]) -> None:
        self.ctx = ctx
        self.commands = commands
        """Slash command → registry command."""

    def register(self, app: AsyncApp) -> None:
        # one listener for every slash command: bolt tries each listener's matcher on every request
        app.command(re.compile("^(?:" + "|".join(re.escape(slash) for slash in self.commands) + ")$"))(self.on_command)
        app.view(CALLBACK_ID)(self.on_poll_form)

    async def on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        with self.ctx.inflight.track():
            await ack()
            target = Target(
                channel=field(body, "channel_id"),
                user=field(body, "user_id"),
                response_url=field(body, "response_url") or None,
                direct=field(body, "channel_name") == "directmessage",
            )
            try:
                if not await self.ctx.refuse_if_stopping(target):
                    await self.ctx.ack_first.turn()
                    await self._run(body, target)
            except Exception:
                logger.exception("slash command %s failed", body.get("command"))
                await self.ctx.failed(target)

    async def _run(self, body: dict[str, Any], target: Target) -> None:
        slash = field(body, "command")
        command = self.commands[slash]
        typed = slash_line(command, field(body, "text"))
        if typed is None:
            await self._open_form(body, target, slash)
            return
        reply = await self.ctx.outcome(self._reply(body, target, typed))
        await self.ctx.delivery.send(reply, target)

    async def _reply(self, body: dict[str, Any], target: Target, typed: str | Ask) -> Reply:
        user = await self.ctx.user(
            target.user, field(body, "user_name") or None, moderation_of(self.ctx.core.registry, typed)
        )
        return await self.ctx.answer(typed, workspace=self.ctx.workspace(body), channel=target.channel, user=user)

    async def _open_form(self, body: dict[str, Any], target: Target, slash: str) -> None:
        presets = {p.id: p.question for p in self.ctx.kb.presets.values()}
        view = poll_modal(ModalOrigin(channel=target.channel, response_url=target.response_url), presets)
        try:
            await self.ctx.web.views_open(trigger_id=str(body.get("trigger_id", "")), view=view)
        except SlackApiError as exc:
            self.ctx.core.services.telemetry.platform_error(platform="slack", kind=error_code(exc))
            logger.warning("views.open failed: %s", error_code(exc))
            text = MODAL_FAILED.format(name=slash.removeprefix("/"))
            await self.ctx.delivery.private(render_blocks([Text(text=text)]), target)

    async def on_poll_form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        with self.ctx.inflight.track():
            form = read_submission(view, self.ctx.kb)
            if isinstance(form, FormErrors):
                await ack(response_action="errors", errors=form.errors)
                return
            await ack()
            origin = ModalOrigin.load(str(view.get("private_metadata") or ""))
            user_id = field(body, "user", "id")
            if origin is None:
                logger.warning("a poll form came back without its channel; ignored")
                return
            target = Target(channel=origin.channel, user=user_id, response_url=origin.response_url)
            try:
                if not await self.ctx.refuse_if_stopping(target):
                    await self.ctx.ack_first.turn()
                    reply = await self.ctx.outcome(self._new_poll(body, target, form))
                    await self.ctx.delivery.send(reply, target)
            except Exception:
                logger.exception("the poll form failed")
                await self.ctx.failed(target)

    async def _new_poll(self, body: dict[str, Any], target: Target, form: dict[str, str]) -> Reply:
        user = await self.ctx.user(target.user, field(body, "user", "name") or None, None)
        request = Request(
            platform=PLATFORM,
            workspace=self.ctx.workspace(body),
            channel=target.channel,
            user=user,
            command="poll",
            args=form,
        )
        return await self.ctx.core.handle(request)
