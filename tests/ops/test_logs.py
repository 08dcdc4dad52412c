"""LOG_FORMAT=json: one JSON object per line, with the process, the shard and the request being handled, and
never a credential."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import App
from bot.core.reply import Reply
from bot.core.request import Request
from bot.logredact import install_redaction
from bot.ops.logs import TEXT_FORMAT, JsonFormatter, OneLineFailures, shard_ids
from bot.settings import Settings
from tests.conftest import Chat

BOT_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.bot-token-value-for-tests"
INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnNlY3JldA"
RESPONSE_URL = "https://hooks.slack.com/commands/T0001/1234567890/AbCdEfGhIjKlMnOp"


class JsonLines:
    """A JSON handler on the root logger, as ``configure_logging`` installs, writing to memory."""

    def __init__(self, formatter: JsonFormatter) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(formatter)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]


@pytest.fixture
def json_lines() -> Iterator[JsonLines]:
    lines = JsonLines(JsonFormatter())
    root = logging.getLogger()
    factory, level = logging.getLogRecordFactory(), root.level
    root.addHandler(lines.handler)
    root.setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(lines.handler)
    root.setLevel(level)
    logging.setLogRecordFactory(factory)  # install_redaction replaces it


def test_a_record_is_one_json_object_with_time_level_logger_process_and_no_request(json_lines: JsonLines) -> None:
    logging.getLogger("bot.test").warning("two\nlines, %s", "merged")
    assert len(json_lines.text.splitlines()) == 1
    [entry] = json_lines.records()
    assert entry["message"] == "two\nlines, merged"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "bot.test"
    assert entry["process"] == os.getpid()
    assert entry["shard"] is None
    assert entry["request_id"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["ts"])
    assert "exc_info" not in entry


async def test_a_failure_while_handling_a_request_carries_its_request_id_and_traceback(
    app: App, chat: Chat, json_lines: JsonLines
) -> None:
    async def broken(request: Request) -> Reply:
        raise RuntimeError("disk on fire")

    command = app.core.registry.get("polls")
    assert command is not None
    object.__setattr__(command, "handler", broken)  # /polls now fails inside the core
    first = await chat.say("/polls")
    second = await chat.say("/polls")
    assert first.error
    assert second.error
    failures = [e for e in json_lines.records() if e["message"] == "command /polls failed"]
    assert len(failures) == 2
    ids = [e["request_id"] for e in failures]
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]+", i) for i in ids)
    assert ids[0] != ids[1], "each request has its own id"
    assert all(e["level"] == "ERROR" and e["logger"] == "bot.core.core" for e in failures)
    assert "RuntimeError: disk on fire" in failures[0]["exc_info"]
    assert failures[0]["exc_info"].startswith("Traceback")
    logging.getLogger("bot.test").info("after the requests")
    assert json_lines.records()[-1]["request_id"] is None


def test_the_shard_field_names_the_discord_shards_this_process_runs() -> None:
    def settings(**values: object) -> Settings:
        return Settings(_env_file=None, discord_token=BOT_TOKEN, **values)  # type: ignore[arg-type]

    assert shard_ids(settings(discord_shard_count=4, discord_shard_ids="1,3")) == [1, 3]
    assert shard_ids(settings(discord_shard_count=2)) == [0, 1]
    assert shard_ids(settings()) is None
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "hello", None, None)
    assert json.loads(JsonFormatter([1, 3]).format(record))["shard"] == [1, 3]


def test_tokens_interaction_tokens_and_response_urls_never_reach_a_json_line(json_lines: JsonLines) -> None:
    install_redaction([BOT_TOKEN])  # as configure_logging does with the configured secrets
    log = logging.getLogger("discord.http")
    log.debug("headers {'Authorization': 'Bot %s'}", BOT_TOKEN)
    log.debug("POST https://discord.com/api/v10/interactions/123/%s/callback", INTERACTION_TOKEN)
    log.debug("payload %s", json.dumps({"type": 2, "token": INTERACTION_TOKEN}))
    logging.getLogger("slack_sdk").debug("sending the answer to %s", RESPONSE_URL)
    try:
        raise RuntimeError(f"the token {BOT_TOKEN} was refused at {RESPONSE_URL}")
    except RuntimeError:
        logging.getLogger("bot").exception("failed")
    entries = json_lines.records()
    assert len(entries) == 5
    for secret in (BOT_TOKEN, INTERACTION_TOKEN, RESPONSE_URL, "AbCdEfGhIjKlMnOp"):
        assert secret not in json_lines.text
    assert "/interactions/123/[redacted]/callback" in entries[1]["message"]
    assert "[redacted]" in entries[4]["exc_info"]


def test_asyncpg_reconnect_warnings_are_one_line_and_other_tracebacks_are_kept() -> None:
    def record(name: str, level: int) -> logging.LogRecord:
        try:
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        except ConnectionRefusedError:
            made = logging.LogRecord(
                name, level, __file__, 1, "Failed to restore the pool %s", ("floor",), sys.exc_info()
            )
        OneLineFailures().filter(made)
        return made

    formatter = logging.Formatter(TEXT_FORMAT)
    quiet = formatter.format(record("asyncpg.pool", logging.WARNING))
    assert "Traceback" not in quiet
    assert quiet.endswith(
        "Failed to restore the pool floor (ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5432))"
    )
    assert "Traceback" in formatter.format(record("asyncpg.pool", logging.ERROR)), "an error keeps its traceback"
    assert "Traceback" in formatter.format(record("bot.core", logging.WARNING)), "our own warnings keep theirs"
