"""`debatebot run` with Discord and Slack configured: both adapters in one process, one core, one database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.store.sqlite import SQLiteStore
from tests.adapters.discord.conftest import ALICE as DISCORD_ALICE
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.discord.fake_discord import unescape as shown
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack

ROOT = Path(__file__).resolve().parents[2]
DISCORD_TOKEN = "fake-bot-token"


async def test_discord_and_slack_run_side_by_side_on_one_database(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    slack = await FakeSlack().start()
    try:
        async with FakeDiscord(token=DISCORD_TOKEN) as discord:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "DATABASE_"))}
            env.update(discord.env())
            env.update(
                DISCORD_TOKEN=DISCORD_TOKEN,
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_APP_TOKEN=APP_TOKEN,
                SLACK_API_BASE_URL=slack.base_url,
                DATABASE_URL=f"sqlite:///{database}",
                PYTHONPATH=str(ROOT),
                LOG_LEVEL="WARNING",
            )
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=tmp_path,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                await discord.wait_identified(within=30)
                await slack.socket.wait_connected(within=30)

                poll = await discord.answer(
                    await discord.slash("poll", DISCORD_ALICE, question="From Discord?", options="Yes | No")
                )
                assert "From Discord?" in shown(str(poll.embeds))

                _, url = slack.new_response_url()
                await slack.socket.send(
                    "slash_commands",
                    payloads.slash_command("/poll", "From Slack? | Yes | No", user="UALICE", response_url=url),
                )
                await slack.wait_for(
                    lambda: any("From Slack?" in str(m.get("text")) for m in slack.messages.values()), within=15
                )
                process.send_signal(signal.SIGTERM)
                assert await asyncio.wait_for(process.wait(), 20) == 0
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
    finally:
        await slack.stop()

    store = SQLiteStore(database)
    await store.open()
    try:
        polls = {(p.platform, p.question) for p in await store.list_polls()}
    finally:
        await store.close()
    assert polls == {("discord", "From Discord?"), ("slack", "From Slack?")}
