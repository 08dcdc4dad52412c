"""A Slack adapter under test: the real bolt and slack_sdk, a fake Slack, in Socket Mode or HTTP mode."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.adapters.slack import SlackAdapter
from bot.app import App, build_app
from bot.core.clock import Clock
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.adapters.slack.fake_socket import Answer
from tests.adapters.slack.sender import SignedSender

Mode = Literal["socket", "http"]
ALICE, BOB, ADMIN = "UALICE", "UBOB", "UADMIN"


def slack_settings(database: Path, fake: FakeSlack, mode: Mode, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{database}",
        "rate_limit_commands": 1000,
        "slack_bot_token": BOT_TOKEN,
        "slack_app_token": APP_TOKEN if mode == "socket" else None,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_base_url": fake.base_url,
        "slack_admin_user_ids": (ADMIN,),
        "slack_command_names": {},
        "discord_token": None,
    }
    return Settings(_env_file=None, **(values | extra))  # type: ignore[call-arg]


@dataclass
class Exchange:
    """One request and what the bot sent back through its ``response_url``."""

    answer: Answer
    key: str
    fake: FakeSlack
    response_url: str

    @property
    def answers(self) -> list[dict[str, Any]]:
        return self.fake.answers(self.key)


@dataclass
class SlackUnderTest:
    mode: Mode
    fake: FakeSlack
    app: App
    adapter: SlackAdapter
    sender: SignedSender | None

    async def deliver(self, kind: str, payload: dict[str, Any], **extra: Any) -> Answer:
        """Send a payload the way this mode carries it (an envelope, or a signed HTTP request)."""
        if self.sender is None:
            return await self.fake.socket.send(kind, payload, **extra)
        if kind == "slash_commands":
            return await self.sender.command(payload)
        if kind == "interactive":
            return await self.sender.interaction(payload)
        return await self.sender.event(payload, retry=int(extra.get("retry_attempt", 0)))

    async def command(
        self, name: str, text: str = "", *, user: str = ALICE, settle: bool = True, **kw: Any
    ) -> Exchange:
        key, url = self.fake.new_response_url()
        answer = await self.deliver(
            "slash_commands", payloads.slash_command(name, text, user=user, response_url=url, **kw)
        )
        if settle:
            await self.adapter.drain()
        return Exchange(answer, key, self.fake, url)

    async def press(
        self, action_id: str, *, message_ts: str, user: str = ALICE, settle: bool = True, **kw: Any
    ) -> Exchange:
        key, url = self.fake.new_response_url("actions")
        payload = payloads.button_press(action_id, user=user, message_ts=message_ts, response_url=url, **kw)
        answer = await self.deliver("interactive", payload)
        if settle:
            await self.adapter.drain()
        return Exchange(answer, key, self.fake, url)

    async def event(self, body: dict[str, Any], *, retry: int = 0, settle: bool = True) -> Answer:
        extra = {"retry_attempt": retry, "retry_reason": "timeout" if retry else ""}
        answer = await self.deliver("events_api", body, **extra)
        if settle:
            await self.adapter.drain()
        return answer

    async def poll_message(self, poll_id: int) -> tuple[str, str]:
        """The (channel, ts) the store remembers for a poll's message."""
        poll = await self.app.store.get_poll(poll_id=poll_id)
        assert poll is not None
        assert poll.message_ref is not None
        channel, _, ts = poll.message_ref.partition(":")
        return channel, ts


@contextlib.asynccontextmanager
async def running(adapter: SlackAdapter) -> AsyncIterator[asyncio.Task[None]]:
    """Run the adapter until the block ends; re-raise its start-up failure, if any."""
    task = asyncio.create_task(adapter.run())
    ready = asyncio.create_task(adapter.ready.wait())
    try:
        await asyncio.wait([task, ready], timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        assert adapter.ready.is_set(), "the Slack adapter did not start within 20 s"
        yield task
    finally:
        ready.cancel()
        await adapter.stop()
        await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def slack_under_test(
    mode: Mode,
    fake: FakeSlack,
    database: Path,
    clock: Clock,
    kb: KnowledgeBase,
    *,
    refresh_interval: float = 0.2,
    **settings: Any,
) -> AsyncIterator[SlackUnderTest]:
    app = build_app(slack_settings(database, fake, mode, **settings), clock=clock, kb=kb)
    await app.start()
    adapter = SlackAdapter(app, host="127.0.0.1", port=0, refresh_interval=refresh_interval)
    sender: SignedSender | None = None
    try:
        async with running(adapter):
            if mode == "http":
                sender = SignedSender(f"http://127.0.0.1:{adapter.http_port}/slack/events", SIGNING_SECRET)
            yield SlackUnderTest(mode, fake, app, adapter, sender)
    finally:
        if sender is not None:
            await sender.close()
        await app.stop()
