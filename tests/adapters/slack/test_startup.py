"""A configuration that cannot work stops start-up with one clear message, and never shows a secret."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.base import AdapterFatal
from bot.adapters.slack import SlackAdapter
from bot.app import build_app
from bot.knowledge.base import KnowledgeBase
from bot.runner import configured_adapters
from tests.adapters.slack.fake_slack import APP_TOKEN, FakeSlack
from tests.adapters.slack.harness import Mode, running, slack_settings
from tests.adapters.slack.process import bot_process
from tests.conftest import FakeClock


async def start_with(
    fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase, mode: Mode = "socket", **settings: Any
) -> None:
    port = settings.pop("port", 0)
    app = build_app(slack_settings(tmp_path / "bot.db", fake, mode, **settings), clock=clock, kb=kb)
    await app.start()
    try:
        async with running(SlackAdapter(app, host="127.0.0.1", port=port)):
            pass
    finally:
        await app.stop()


@pytest.mark.parametrize(
    ("mode", "settings", "says"),
    [
        ("http", {"slack_signing_secret": None}, "HTTP mode (no SLACK_APP_TOKEN) needs SLACK_SIGNING_SECRET"),
        ("socket", {"slack_bot_token": "xoxb-revoked-secret-value"}, "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
        ("socket", {"slack_app_token": "xapp-wrong-secret-value"}, "Slack refused SLACK_APP_TOKEN (invalid_auth)"),
        ("socket", {"slack_bot_token": "xoxp-user-secret-value"}, "SLACK_BOT_TOKEN does not look like a Slack xoxb-"),
        ("socket", {"slack_app_token": "xoxb-secret-value"}, "SLACK_APP_TOKEN does not look like a Slack xapp-"),
        ("socket", {"slack_command_names": {"cook": "/cook"}}, "'cook' is not a debatebot command"),
        ("http", {"slack_api_base_url": "http://127.0.0.1:9/api/"}, "cannot reach the Slack API"),
    ],
)
async def test_a_configuration_that_cannot_work_is_fatal_and_says_why(
    fake: FakeSlack,
    tmp_path: Path,
    clock: FakeClock,
    kb: KnowledgeBase,
    mode: Mode,
    settings: dict[str, Any],
    says: str,
) -> None:
    with pytest.raises(AdapterFatal) as raised:
        await start_with(fake, tmp_path, clock, kb, mode, **settings)
    assert says in str(raised.value)
    assert "secret-value" not in str(raised.value)
    assert "fake-" not in str(raised.value)


async def test_a_port_already_in_use_is_fatal(
    fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(AdapterFatal, match=r"cannot listen on 127\.0\.0\.1"):
            await start_with(fake, tmp_path, clock, kb, "http", port=taken.getsockname()[1])


async def test_the_runner_starts_slack_when_its_token_is_set(
    fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    app = build_app(slack_settings(tmp_path / "bot.db", fake, "socket"), clock=clock, kb=kb)
    adapters = configured_adapters(app)
    assert [type(a) for a in adapters] == [SlackAdapter]
    assert adapters[0].name == "slack"
    no_slack = build_app(slack_settings(tmp_path / "bot.db", fake, "socket", slack_bot_token=None), clock=clock, kb=kb)
    assert configured_adapters(no_slack) == []


async def test_debatebot_run_with_a_refused_token_exits_1_without_showing_it(fake: FakeSlack, tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-not-a-real-secret",
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_BASE_URL": fake.base_url,
    }
    async with bot_process(tmp_path, tmp_path / "bot.db", env) as process:
        await asyncio.wait_for(process.wait(), 30)
    assert process.stderr is not None
    stderr = (await process.stderr.read()).decode()
    assert process.returncode == 1
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in stderr
    assert "not-a-real-secret" not in stderr
