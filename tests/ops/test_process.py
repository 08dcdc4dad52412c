"""``python -m bot`` as operators run it, with OPS_PORT: the endpoints answer from the real process, its JSON logs
parse, a port in use and bad settings stop it with exit status 2 and a message naming the variable."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.discord.conftest import ALICE
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.cli.conftest import REPO, Cli, clean_env
from tests.ops.scrape import get, value

TOKEN = "ops-test-token-Zm9vYmFy.c2VjcmV0"
LISTENING = re.compile(r"ops server listening on (http://127\.0\.0\.1:(\d+))")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    work = tmp_path / "cwd"
    work.mkdir()
    return Cli(cwd=work, database=tmp_path / "db" / "x.db")


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def text(log: Path) -> str:
    return log.read_text(encoding="utf-8")


@contextlib.asynccontextmanager
async def bot(
    command: str, tmp_path: Path, env: Mapping[str, str], log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot <command>`` with standard error in ``log`` and standard input a pipe; killed if left running."""
    settings = {"OPS_PORT": "0", "OPS_HOST": "127.0.0.1", "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    with log.open("ab") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            command,
            cwd=tmp_path,
            env=clean_env(tmp_path / "bot.db", {"PYTHONPATH": str(REPO), **settings, **env}),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def ops_url(log: Path, process: asyncio.subprocess.Process, within: float = 30.0) -> str:
    """The ops server's address, from the process's log line saying where it listens."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline and process.returncode is None:
        found = LISTENING.search(text(log))
        if found:
            return found.group(1)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no ops server in the log:\n{text(log)}")


async def ready(url: str, within: float = 30.0) -> dict[str, Any]:
    """Wait for ``/readyz`` to answer 200; its body."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        status, _, body = await get(f"{url}/readyz")
        if status == 200 or loop.time() > deadline:
            assert status == 200, body
            verdict: dict[str, Any] = json.loads(body)
            return verdict
        await asyncio.sleep(0.1)


def json_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text(log).splitlines()]


async def test_run_with_discord_serves_health_readiness_and_metrics_and_logs_json(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    async with FakeDiscord(token=TOKEN) as fake:
        env = {**fake.env(), "DISCORD_TOKEN": TOKEN}
        async with bot("run", tmp_path, env, log) as process:
            url = await ops_url(log, process)
            await fake.wait_identified(within=30)
            status, _, body = await get(f"{url}/healthz")
            assert (status, body.splitlines()[0]) == (200, "ok")
            verdict = await ready(url)
            assert verdict["checks"] == {"database": "ok", "discord": "ok", "shutdown": "ok"}
            await fake.answer(await fake.slash("poll", ALICE, question="Who wins?", options="USA | China"))
            status, content_type, exposition = await get(f"{url}/metrics")
            assert status == 200
            assert content_type.startswith("text/plain")
            assert value(exposition, "debatebot_commands_total", platform="discord", command="poll") == 1
            assert value(exposition, "debatebot_answer_seconds_count", platform="discord") == 1
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 20) == 0, text(log)
    entries = json_lines(log)
    assert {entry["process"] for entry in entries} == {process.pid}
    assert {"ts", "level", "logger", "message", "shard", "request_id"} <= set(entries[0])
    assert any(entry["message"].startswith("stopped after SIGTERM") for entry in entries)
    assert TOKEN not in text(log)


async def test_the_console_with_ops_port_is_ready_while_it_reads(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    async with bot("console", tmp_path, {}, log) as process:
        url = await ops_url(log, process)
        assert (await ready(url))["checks"] == {"database": "ok", "console": "ok", "shutdown": "ok"}
        assert process.stdin is not None
        process.stdin.write(b"/whosays lecun\n")
        await process.stdin.drain()
        process.stdin.close()  # end of input: the console, and the process, end
        assert await asyncio.wait_for(process.wait(), 20) == 0, text(log)
    with pytest.raises(ConnectionRefusedError):  # the ops server went with it
        await asyncio.open_connection("127.0.0.1", int(url.rsplit(":", 1)[1]))


def test_a_port_in_use_exits_2_naming_ops_port(cli: Cli, taken_port: int) -> None:
    result = cli.run("console", stdin="/whosays lecun\n", env={"OPS_PORT": str(taken_port)})
    assert result.returncode == 2, result.stderr
    assert f"debatebot: OPS_PORT: port {taken_port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Yann LeCun" not in result.stdout, "it stopped before taking any command"


@pytest.mark.parametrize(
    ("variable", "bad", "reason"),
    [
        ("OPS_PORT", "ninety", "OPS_PORT: expected a port number from 1 to 65535"),
        ("OPS_PORT", "70000", "OPS_PORT: expected a port number from 1 to 65535"),
        ("OPS_HOST", "local host", "OPS_HOST: expected an interface address or host name"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT: use text (one readable line per record) or json"),
    ],
)
def test_a_bad_ops_setting_exits_2_naming_it(cli: Cli, variable: str, bad: str, reason: str) -> None:
    result = cli.run("console", env={variable: bad})
    assert result.returncode == 2
    assert reason in result.stderr
    assert "Traceback" not in result.stderr


def test_log_format_json_is_one_object_per_line_on_standard_error(cli: Cli) -> None:
    result = cli.run("console", stdin="/whosays lecun\n", env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"})
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(e["message"].startswith("knowledge base: ") and e["logger"] == "bot" for e in entries)
    assert all(e["process"] == entries[0]["process"] != os.getpid() for e in entries)
    assert "Yann LeCun" in result.stdout
