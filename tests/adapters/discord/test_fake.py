"""The fake enforces Discord's rules, so the tests that rely on it can fail."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from bot.adapters.discord.definitions import command_payloads
from bot.core.core import Core
from bot.core.reply import Reply
from bot.core.request import Request
from bot.knowledge.base import KnowledgeBase
from tests.adapters.discord.conftest import ALICE, discord_settings, running_bot
from tests.adapters.discord.fake_discord import FakeDiscord, Interaction, message_text
from tests.adapters.discord.fake_server import Console
from tests.conftest import FakeClock


async def test_a_late_or_second_initial_response_is_refused(fake: FakeDiscord) -> None:
    fake.interactions[1] = Interaction(id=1, token="fresh", kind=2, sent_at=time.monotonic())
    fake.interactions[2] = Interaction(id=2, token="stale", kind=2, sent_at=time.monotonic() - 3.1)
    async with aiohttp.ClientSession() as http:

        async def callback(interaction_id: int, token: str) -> tuple[int, object]:
            url = f"{fake.api_url}/interactions/{interaction_id}/{token}/callback"
            async with http.post(url, json={"type": 4, "data": {"content": "hi"}}) as response:
                return response.status, (await response.json()).get("code")

        first = await callback(1, "fresh")
        second = await callback(1, "fresh")
        late = await callback(2, "stale")
        unknown = await callback(3, "nope")
    assert first == (200, None)
    assert second == (400, 40060)
    assert late == (404, 10062)
    assert unknown == (404, 10062)


async def test_a_bot_that_answers_too_late_gets_10062_and_keeps_serving(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with FakeDiscord(deadline=0.2) as fake:
        settings = discord_settings(fake, tmp_path / "bot.db")
        async with running_bot(fake, settings, clock, kb, defer_after=5.0) as bot:
            handle = bot.app.core.handle

            async def slow_once(request: Request) -> Reply:
                bot.app.core.handle = handle  # type: ignore[method-assign]
                await asyncio.sleep(0.3)
                return await handle(request)

            bot.app.core.handle = slow_once  # type: ignore[method-assign]
            late = await fake.slash("topics", ALICE)
            await bot.settle()
            answer = await fake.answer(await fake.slash("topics", ALICE))
    assert [status for status, _, _ in late.callbacks] == [404]
    assert "Topics" in message_text(answer)


def test_the_fake_server_console_parses_commands_like_discord_would(core: Core) -> None:
    console = Console()
    console.fake.commands["global"] = command_payloads(core.registry)
    assert console.parse("/whosays kai-fu lee") == ("whosays", None, {"who": "kai-fu lee"})
    assert console.parse("/poll question:Who wins? options:USA | China anonymous:true") == (
        "poll",
        None,
        {"question": "Who wins?", "options": "USA | China", "anonymous": True},
    )
    assert console.parse("/digest subscribe time:08:30 zone:Europe/Berlin") == (
        "digest",
        "subscribe",
        {"time": "08:30", "zone": "Europe/Berlin"},
    )
