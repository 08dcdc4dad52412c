"""The bot as people run it: ``python -m bot run`` in its own process, pointed at the fake by environment variables."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.store.sqlite import SQLiteStore
from tests.adapters.discord.conftest import ALICE, BOB
from tests.adapters.discord.fake_discord import Actor, FakeDiscord, buttons
from tests.adapters.discord.fake_discord import unescape as shown

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "test-token-Zm9vYmFy.c2VjcmV0"


def bot_env(fake: FakeDiscord, database: Path, token: str = TOKEN) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "DATABASE_"))}
    env.update(fake.env())
    env.update(DISCORD_TOKEN=token, DATABASE_URL=f"sqlite:///{database}", PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
    return env


@asynccontextmanager
async def bot_process(env: dict[str, str], cwd: Path, log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot run``; killed on exit if it is still running."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def tally(database: Path, poll_id: int) -> int:
    store = SQLiteStore(database)
    await store.open()
    try:
        return (await store.tally(poll_id=poll_id)).total_votes
    finally:
        await store.close()


async def test_a_click_on_a_poll_posted_before_a_kill_and_restart_is_counted(tmp_path: Path) -> None:
    database, log = tmp_path / "bot.db", tmp_path / "bot.log"
    async with FakeDiscord(token=TOKEN) as fake:
        env = bot_env(fake, database)
        async with bot_process(env, tmp_path, log) as first:
            await fake.wait_identified(within=30)
            poll = await fake.answer(await fake.slash("poll", ALICE, question="Who wins?", options="USA | China"))
            voted = await fake.answer(await fake.click(poll, buttons(poll)[0]["custom_id"], BOB))
            assert "Your vote for “USA” is in." in shown(voted.content or "")
            first.kill()  # no goodbye: SIGKILL
            await first.wait()
        fake.identified.clear()
        async with bot_process(env, tmp_path, log) as second:
            await fake.wait_identified(within=30)
            late = await fake.answer(await fake.click(poll, buttons(poll)[1]["custom_id"], Actor(7, "Carol")))
            assert "Your vote for “China” is in." in shown(late.content or "")
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 15) == 0, log.read_text()
    assert await tally(database, 1) == 2
    assert len(fake.command_puts) == 1, "the restart found the same definitions: no second sync"
    assert "2 votes · open" in poll.embeds[0]["footer"]["text"], "the old message was redrawn after the restart"


@pytest.mark.parametrize(
    ("close_on_identify", "fake_token", "expected"),
    [
        (4004, TOKEN, "Discord closed the gateway with code 4004: authentication failed"),
        (None, "another-token", "Discord rejected DISCORD_TOKEN (401 Unauthorized)"),
    ],
    ids=["gateway-close-4004", "rest-401"],
)
async def test_a_bad_token_exits_non_zero_with_a_clear_message_and_no_token(
    tmp_path: Path, close_on_identify: int | None, fake_token: str, expected: str
) -> None:
    log = tmp_path / "bot.log"
    fake = FakeDiscord(token=fake_token, close_on_identify=close_on_identify)
    async with fake, bot_process(bot_env(fake, tmp_path / "bot.db"), tmp_path, log) as process:
        code = await asyncio.wait_for(process.wait(), 30)
    output = log.read_text()
    assert code == 1, output
    assert expected in output
    assert TOKEN not in output
    assert TOKEN.split(".")[0] not in output
    assert len(fake.identifies) <= 1, "no identify loop"
