"""The adapters' part, against the loopback fakes driving the real discord.py and slack_sdk: readiness follows
the connection, 429s and failed platform calls are counted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import App, build_app
from bot.knowledge.base import KnowledgeBase
from bot.ops.metrics import Metrics
from tests.adapters.discord.conftest import ALICE, BOB, discord_settings, running_bot
from tests.adapters.discord.fake_discord import FakeDiscord, Message, buttons, message_text
from tests.adapters.discord.payloads import GUILD_ID
from tests.adapters.slack.conftest import fake as fake_slack
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import BOB as SLACK_BOB
from tests.adapters.slack.harness import Mode, slack_under_test
from tests.adapters.slack.payloads import CHANNEL
from tests.conftest import FakeClock
from tests.ops.scrape import value

__all__ = ["fake_slack"]  # the fake Slack fixture, started and stopped per test


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.01)


def metrics_of(app: App) -> Metrics:
    assert app.metrics is not None, "OPS_PORT is set in these tests: the app keeps metrics"
    return app.metrics


async def discord_poll(fake: FakeDiscord) -> Message:
    return await fake.answer(await fake.slash("poll", ALICE, question="Who wins?", options="USA | China"))


# Discord -------------------------------------------------------------------------------------


async def test_discord_is_ready_once_logged_in_and_not_after_it_stopped(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with FakeDiscord() as fake:
        settings = discord_settings(fake, tmp_path / "bot.db", ops_port=0)
        unstarted = DiscordAdapter(build_app(settings, clock=clock, kb=kb))
        assert not unstarted.is_ready()
        async with running_bot(fake, settings, clock, kb) as bot:
            bot.app.readiness.add_flag("discord", bot.adapter.is_ready)  # as `debatebot run` does
            assert (await bot.app.readiness.verdict()).ready
            await bot.adapter.stop()
            verdict = await bot.app.readiness.verdict()
            assert verdict.problems == {"discord": "not connected"}


async def turns_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Check ``condition`` at every turn of the event loop (a reconnection takes a few milliseconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0)


@pytest.mark.parametrize("sharded", [False, True], ids=["one-connection", "sharded"])
async def test_discord_is_not_ready_while_its_gateway_reconnects(
    sharded: bool, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    shard = {"discord_shard_count": 2, "discord_shard_ids": str((GUILD_ID >> 22) % 2)} if sharded else {}
    async with FakeDiscord() as fake:
        settings = discord_settings(fake, tmp_path / "bot.db", ops_port=0, **shard)
        async with running_bot(fake, settings, clock, kb) as bot:
            assert bot.adapter.is_ready()
            await fake.send_reconnect()  # op 7: close the connection and resume on a new one
            await turns_until(lambda: not bot.adapter.is_ready())
            await turns_until(bot.adapter.is_ready)
            assert len(fake.resumes) == 1


async def test_a_discord_429_is_waited_out_and_counted(tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> None:
    async with FakeDiscord() as fake:
        settings = discord_settings(fake, tmp_path / "bot.db", ops_port=0)
        async with running_bot(fake, settings, clock, kb) as bot:
            message = await discord_poll(fake)
            await bot.settle()
            fake.rate_limit_edits = 1
            await fake.answer(await fake.click(message, buttons(message)[0]["custom_id"], BOB))
            await bot.settle()
            assert "1 vote · open" in message_text(message), "the edit went through after the 429"
            edit = ("PATCH", f"/api/v10/channels/{message.channel_id}/messages/{message.id}")
            assert fake.rate_limited == [edit]
            metrics = metrics_of(bot.app)
            assert value(metrics, "debatebot_rate_limited_total", platform="discord") == 1
            assert value(metrics, "debatebot_platform_errors_total", platform="discord") == 0


async def test_a_failed_discord_edit_is_counted_with_its_status_and_code(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with FakeDiscord() as fake:
        settings = discord_settings(fake, tmp_path / "bot.db", ops_port=0)
        async with running_bot(fake, settings, clock, kb) as bot:
            message = await discord_poll(fake)
            await bot.settle()  # nothing left to draw from the poll's creation: the vote's edit is the only one
            message.deleted = True  # someone deleted the poll's message: its edits answer 404, Unknown Message
            await fake.answer(await fake.click(message, buttons(message)[0]["custom_id"], BOB))
            await bot.settle()
            metrics = metrics_of(bot.app)
            assert value(metrics, "debatebot_platform_errors_total", platform="discord", kind="http_404_10008") == 1


# Slack ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_slack_is_ready_while_connected_and_not_after_it_stopped(
    mode: Mode, fake_slack: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with slack_under_test(mode, fake_slack, tmp_path / "bot.db", clock, kb, ops_port=0) as slack:
        slack.app.readiness.add_flag("slack", slack.adapter.is_ready)  # as `debatebot run` does
        assert (await slack.app.readiness.verdict()).ready
        await slack.adapter.stop()
        assert (await slack.app.readiness.verdict()).problems == {"slack": "not connected"}


async def test_slack_socket_mode_is_not_ready_while_its_websocket_is_down(
    fake_slack: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with slack_under_test("socket", fake_slack, tmp_path / "bot.db", clock, kb, ops_port=0) as slack:
        assert slack.adapter.is_ready()
        opened = fake_slack.socket.opened
        await fake_slack.socket.close_all()  # Slack dropped the connection ...
        assert not slack.adapter.is_ready()
        await until(lambda: slack.adapter.is_ready())  # ... and the SDK opened a new one on its own
        assert fake_slack.socket.opened == opened + 1


async def test_a_slack_429_is_waited_out_and_counted(
    fake_slack: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with slack_under_test("http", fake_slack, tmp_path / "bot.db", clock, kb, ops_port=0) as slack:
        fake_slack.fail("chat.postMessage", status=429, retry_after=1)
        await slack.command("/poll", "Tea? | Yes | No")
        assert len(fake_slack.calls_to("chat.postMessage")) == 2, "answered 429, then posted"
        metrics = metrics_of(slack.app)
        assert value(metrics, "debatebot_rate_limited_total", platform="slack") == 1
        assert value(metrics, "debatebot_commands_total", platform="slack", command="poll", outcome="ok") == 1


async def test_a_failed_slack_call_is_counted_with_slacks_error_code(
    fake_slack: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    async with slack_under_test("http", fake_slack, tmp_path / "bot.db", clock, kb, ops_port=0) as slack:
        await slack.command("/poll", "Tea? | Yes | No")
        [summary] = await slack.app.store.list_polls()
        _, ts = await slack.poll_message(summary.id)
        fake_slack.fail("chat.update", error="message_not_found")
        await slack.press(f"vote:{summary.id}:1", message_ts=ts, user=SLACK_BOB)
        assert fake_slack.calls_to("chat.update")[0].params["channel"] == CHANNEL
        metrics = metrics_of(slack.app)
        assert value(metrics, "debatebot_platform_errors_total", platform="slack", kind="message_not_found") == 1
