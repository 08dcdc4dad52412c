"""Socket Mode specifics: Slack's "disconnect, please reconnect" is handled by the SDK."""

from __future__ import annotations

import asyncio

import pytest

from tests.adapters.slack.harness import SlackUnderTest


@pytest.mark.parametrize("mode", ["socket"], indirect=True)
async def test_after_slack_asks_to_reconnect_commands_still_work(slack: SlackUnderTest) -> None:
    await slack.fake.socket.disconnect("refresh_requested")
    await slack.fake.wait_for(lambda: slack.fake.socket.opened == 2 and len(slack.fake.socket.live()) == 1)
    await asyncio.sleep(0.05)
    exchange = await slack.command("/whosays", "sacks")
    assert exchange.answer.status == 200
    assert "David Sacks" in exchange.answers[0]["text"]
    assert len(slack.fake.calls_to("apps.connections.open")) == 2
