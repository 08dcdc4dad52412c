"""What the listeners share: the core, the way out, the admin check and the work still in flight."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.inflight import RESTARTING, InFlight
from bot.adapters.slack.ack_first import AckFirst
from bot.adapters.slack.admins import AdminCheck
from bot.adapters.slack.poll_messages import PollMessages
from bot.adapters.slack.render import render_blocks
from bot.adapters.slack.send import Delivery, Target
from bot.adapters.slack.translate import PLATFORM, Ask, slack_user, workspace_of
from bot.core.clock import Clock
from bot.core.core import Core
from bot.core.errors import UserError
from bot.core.inbound import line_request
from bot.core.ports import Store
from bot.core.registry import Moderates
from bot.core.render_text import error_reply
from bot.core.reply import Reply, Text
from bot.core.request import Request, User
from bot.knowledge.base import KnowledgeBase

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotIdentity:
    """What ``auth.test`` said about the bot token at start-up."""

    team_id: str
    bot_user_id: str | None = None
    bot_id: str | None = None


@dataclass
class SlackContext:
    core: Core
    kb: KnowledgeBase
    store: Store
    clock: Clock
    identity: BotIdentity
    web: AsyncWebClient
    delivery: Delivery
    polls: PollMessages
    admins: AdminCheck
    inflight: InFlight
    ack_first: AckFirst = field(default_factory=AckFirst)

    def workspace(self, body: dict[str, Any]) -> str:
        return workspace_of(body, self.identity.team_id)

    async def user(self, user_id: str, name: str | None, moderates: Moderates | None) -> User:
        return slack_user(user_id, name, is_admin=await self.admins.is_admin(user_id, moderates))

    async def answer(self, typed: str | Ask, *, workspace: str, channel: str, user: User) -> Reply:
        """Run a typed line (``/poll …``) or a free-text question through the core."""
        if isinstance(typed, Ask):
            request = Request(
                platform=PLATFORM,
                workspace=workspace,
                channel=channel,
                user=user,
                command="ask",
                args={"question": typed.question},
            )
            return await self.core.handle(request)
        try:
            request = line_request(
                self.core.registry,
                typed,
                platform=PLATFORM,
                workspace=workspace,
                channel=channel,
                user=user,
                command_names=self.core.command_names(PLATFORM),
            )
        except UserError as exc:
            return self.core.refused(exc, PLATFORM)
        return await self.core.handle(request)

    async def outcome(self, work: Awaitable[Reply]) -> Reply:
        """The reply ``work`` produces; if shutdown gives up waiting for it, it is cancelled and the reply says
        :data:`~bot.adapters.inflight.RESTARTING` (an exception from ``work`` is raised here)."""
        reply = await self.inflight.outcome(work)
        return error_reply(RESTARTING) if reply is None else reply

    async def refuse_if_stopping(self, target: Target) -> bool:
        """While shutting down: tell the user, privately, that the bot is restarting, and say so."""
        if not self.inflight.stopping:
            return False
        await self.delivery.send(error_reply(RESTARTING), target)
        return True

    async def failed(self, target: Target) -> None:
        """Tell the user their request broke (it has been logged by the caller)."""
        message = render_blocks([Text(text="Something went wrong on debatebot's side. It has been logged; try again.")])
        with contextlib.suppress(Exception):
            await self.delivery.private(message, target)
