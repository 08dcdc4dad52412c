"""Fixtures: a fake Slack, and the adapter under test in each mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import Mode, SlackUnderTest, slack_under_test
from tests.conftest import FakeClock


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = await FakeSlack().start()
    try:
        yield slack
    finally:
        await slack.stop()


@pytest.fixture(params=["socket", "http"])
def mode(request: pytest.FixtureRequest) -> Mode:
    value: Mode = request.param
    return value


@pytest.fixture
async def slack(
    mode: Mode, fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> AsyncIterator[SlackUnderTest]:
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb) as under_test:
        yield under_test
