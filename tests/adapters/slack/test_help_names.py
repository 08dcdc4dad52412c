"""/debatehelp spells commands the way this workspace can type them."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import SlackUnderTest, slack_under_test
from tests.conftest import FakeClock


async def test_help_uses_slack_names_and_marks_typed_only_commands(slack: SlackUnderTest) -> None:
    exchange = await slack.command("/debatehelp")
    shown = str(exchange.answers)
    assert "/debatehelp" in shown
    assert "/whosays" in shown
    assert "vote &lt;poll&gt; &lt;option&gt; (in a mention or direct message)" in shown  # escaped for mrkdwn
    assert "/vote" not in shown


async def test_renamed_commands_show_their_new_names(
    fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    names = {"poll": "/debatepoll", "help": "/debatehelp"}
    async with slack_under_test("socket", fake, tmp_path / "bot.db", clock, kb, slack_command_names=names) as slack:
        shown = str((await slack.command("/debatehelp")).answers)
        assert "/debatepoll" in shown
        assert "/poll " not in shown
