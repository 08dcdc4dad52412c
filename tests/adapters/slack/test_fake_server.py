"""The runnable fake for people (``python -m tests.adapters.slack.fake_server``) with the real bot on it."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

from tests.adapters.slack.process import REPO, bot_env, bot_process


async def read_until(stream: asyncio.StreamReader, pattern: str, seen: list[str]) -> re.Match[str]:
    """Read lines until one matches ``pattern`` (10 s at most)."""
    while True:
        line = (await asyncio.wait_for(stream.readline(), 10)).decode()
        assert line, "the fake server stopped printing:\n" + "".join(seen)
        seen.append(line)
        if match := re.search(pattern, line):
            return match


async def test_a_person_can_watch_the_bot_answer(tmp_path: Path) -> None:
    fake = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.adapters.slack.fake_server",
        cwd=REPO,
        env=bot_env(tmp_path / "unused.db", {}),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert fake.stdin is not None
    assert fake.stdout is not None
    seen: list[str] = []
    try:
        settings = await read_until(
            fake.stdout, r"(SLACK_BOT_TOKEN=\S+) (SLACK_APP_TOKEN=\S+) (SLACK_API_BASE_URL=\S+)", seen
        )
        env = dict(part.split("=", 1) for part in settings.groups())
        async with bot_process(tmp_path, tmp_path / "bot.db", env):
            await read_until(fake.stdout, r"the bot is connected", seen)
            for typed, expected in [
                ("/whosays lecun", r"^Yann LeCun"),
                ("/poll Tea? | Yes | No", r"\[1\] Yes  \[2\] No  \[3\] Close poll"),
                ("2", r"Your vote for “No” is in"),
                ("@ who thinks open source is the real winner?", r"Paraphrase"),
            ]:
                fake.stdin.write(typed.encode() + b"\n")
                await read_until(fake.stdout, expected, seen)
            fake.stdin.write(b"quit\n")
            await asyncio.wait_for(fake.wait(), 10)
    finally:
        if fake.returncode is None:
            fake.send_signal(signal.SIGTERM)
            await fake.wait()
    assert fake.returncode == 0
