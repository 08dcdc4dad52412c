"""Logging in, command sync from the registry (only when changed), guild sync, sharding, reconnects, fatal closes."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from pydantic import SecretStr

from bot.adapters.base import AdapterFatal
from bot.knowledge.base import KnowledgeBase
from tests.adapters.discord.conftest import ALICE, RunningBot, discord_settings, running_bot
from tests.adapters.discord.fake_discord import FakeDiscord, message_text
from tests.adapters.discord.payloads import GUILD_ID
from tests.conftest import FakeClock

PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15)


async def test_login_syncs_the_registry_commands_globally(fake: FakeDiscord, bot: RunningBot) -> None:
    assert [scope for scope, _ in fake.command_puts] == ["global"]
    names = [c["name"] for c in fake.command_puts[0][1]]
    assert names == [c.name for c in bot.app.core.registry.visible()]
    assert {"whosays", "ask", "compare", "topic", "poll", "digest", "help"} <= set(names)
    assert fake.identifies[0]["intents"] & PRIVILEGED == 0, "no privileged intents"
    answer = await fake.answer(await fake.slash("help", ALICE))
    assert "debatebot commands" in message_text(answer)


async def test_commands_are_synced_again_only_when_they_change(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    settings = discord_settings(fake, tmp_path / "bot.db")
    async with running_bot(fake, settings, clock, kb):
        pass
    async with running_bot(fake, settings, clock, kb) as bot:
        assert len(fake.command_puts) == 1, "same definitions: no second sync"
        assert bot.adapter.client is not None
        key = f"discord.commands.{bot.adapter.client.application_id}.global"
        await bot.app.store.set_meta(key=key, value="an older hash")
    async with running_bot(fake, settings, clock, kb):
        assert len(fake.command_puts) == 2, "a changed hash: synced again"
    assert len(fake.identifies) == 3


async def test_guild_ids_sync_to_those_guilds_and_clear_the_global_commands(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    database = tmp_path / "bot.db"
    async with running_bot(fake, discord_settings(fake, database), clock, kb):
        pass
    guilds = discord_settings(fake, database, discord_guild_ids=f"{GUILD_ID},42")
    async with running_bot(fake, guilds, clock, kb):
        answer = await fake.answer(await fake.slash("topics", ALICE))
        assert "Topics" in message_text(answer)
    scopes = [(scope, len(body)) for scope, body in fake.command_puts]
    assert scopes[0][0] == "global"
    assert scopes[1:] == [("global", 0), (f"guild:{GUILD_ID}", scopes[0][1]), ("guild:42", scopes[0][1])]
    async with running_bot(fake, guilds, clock, kb):
        assert len(fake.command_puts) == 4, "unchanged guild definitions: no sync"


async def test_shard_settings_start_an_auto_sharded_client(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    shard = (GUILD_ID >> 22) % 2  # the shard that receives the test guild's events
    settings = discord_settings(fake, tmp_path / "bot.db", discord_shard_count=2, discord_shard_ids=str(shard))
    async with running_bot(fake, settings, clock, kb) as bot:
        assert isinstance(bot.adapter.client, discord.AutoShardedClient)
        assert bot.adapter.client.shard_count == 2
        answer = await fake.answer(await fake.slash("whosays", ALICE, who="ng"))
        assert "Andrew Ng" in message_text(answer)
    assert [i["shard"] for i in fake.identifies] == [[shard, 2]]


async def test_only_the_process_running_shard_0_syncs_the_commands(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    database = tmp_path / "bot.db"
    async with running_bot(
        fake, discord_settings(fake, database, discord_shard_count=2, discord_shard_ids="1"), clock, kb
    ):
        assert fake.command_puts == [], "shard 1's process leaves the commands to shard 0's"
    async with running_bot(
        fake, discord_settings(fake, database, discord_shard_count=2, discord_shard_ids="0"), clock, kb
    ):
        assert [scope for scope, _ in fake.command_puts] == ["global"]
    assert [i["shard"] for i in fake.identifies] == [[1, 2], [0, 2]]


async def test_op_7_reconnect_resumes_and_commands_keep_working(fake: FakeDiscord, bot: RunningBot) -> None:
    first = await fake.answer(await fake.slash("whosays", ALICE, who="lecun"))
    assert "Yann LeCun" in message_text(first)
    await fake.send_reconnect()
    answer = await fake.answer(await fake.slash("whosays", ALICE, who="wang"))
    assert "Alexandr Wang" in message_text(answer)
    assert len(fake.identifies) == 1, "resumed, not identified again"
    assert [r["session_id"] for r in fake.resumes] == [next(iter(fake.sessions))]


async def test_endpoints_are_set_for_the_run_and_restored_after(
    fake: FakeDiscord, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    before = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    async with running_bot(fake, discord_settings(fake, tmp_path / "bot.db"), clock, kb):
        assert fake.api_url == Route.BASE
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


@pytest.mark.parametrize(
    ("close_code", "expected"),
    [(4004, "code 4004: authentication failed"), (4014, "code 4014: disallowed intents")],
)
async def test_a_fatal_gateway_close_stops_with_a_clear_message_without_the_token(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase, close_code: int, expected: str
) -> None:
    async with FakeDiscord(close_on_identify=close_code) as fake:
        with pytest.raises(AdapterFatal) as raised:
            async with running_bot(fake, discord_settings(fake, tmp_path / "bot.db"), clock, kb):
                pass
    assert expected in str(raised.value)
    assert fake.token not in str(raised.value)
    assert len(fake.identifies) == 1, "no identify loop"


async def test_a_rejected_token_stops_with_a_clear_message_without_the_token(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with FakeDiscord(token="the-real-token") as fake:
        settings = discord_settings(fake, tmp_path / "bot.db").model_copy(
            update={"discord_token": SecretStr("wrong-token")}
        )
        with pytest.raises(AdapterFatal) as raised:
            async with running_bot(fake, settings, clock, kb):
                pass
    assert "rejected DISCORD_TOKEN" in str(raised.value)
    assert "wrong-token" not in str(raised.value)
    assert fake.identifies == []
