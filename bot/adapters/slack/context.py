"""What the listeners share: the core, the way out, the admin check and the work still in flight."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.admins import AdminCheck
from bot.adapters.slack.delivery import Delivery, Target
from bot.adapters.slack.poll_messages import PollMessages
from bot.adapters.slack.render import render_blocks
from bot.adapters.slack.translate import PLATFORM, Ask, slack_user, workspace_of
from bot.core.clock import Clock
from bot.core.core import Core
from bot.core.reply import Reply, Text
from bot.core.request import Request, User
from bot.knowledge.base import KnowledgeBase
from bot.store.port import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotIdentity:
    """What ``auth.test`` said about the bot token at start-up."""

    team_id: str
    bot_user_id: str | None = None
    bot_id: str | None = None


class Pending:
    """The listeners' work after ``ack()``, tracked so that stopping (and tests) can wait for it."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def wait(self, limit: float = 10.0) -> None:
        """Until every tracked listener has finished, or ``limit`` seconds have passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while self._tasks and (left := deadline - loop.time()) > 0:
            await asyncio.wait(list(self._tasks), timeout=left)


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
    pending: Pending

    def workspace(self, body: dict[str, Any]) -> str:
        return workspace_of(body, self.identity.team_id)

    async def user(self, user_id: str, name: str | None, command: str | None) -> User:
        return slack_user(user_id, name, is_admin=await self.admins.is_admin(user_id, command))

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
        return await self.core.handle_line(
            platform=PLATFORM, workspace=workspace, channel=channel, user=user, line=typed
        )

    async def failed(self, target: Target) -> None:
        """Tell the user their request broke (it has been logged by the caller)."""
        message = render_blocks([Text(text="Something went wrong on debatebot's side. It has been logged; try again.")])
        with contextlib.suppress(Exception):
            await self.delivery.private(message, target)
