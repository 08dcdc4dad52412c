"""Shutdown on Slack with answers in flight, through the real slack-bolt against the loopback fake, in Socket Mode
and in HTTP mode: what the runner does on SIGTERM/SIGINT (``adapter.stop()``), then the database closes."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from bot.core.reply import Reply
from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import ALICE, BOB, Mode, SlackUnderTest, slack_under_test
from tests.adapters.slack.payloads import CHANNEL
from tests.conftest import FakeClock

CAROL = "UCAROL"
RESTARTING = "The bot is restarting; please try again in a minute."
GRACE = 1.0
"""The adapter's grace period in these tests (2 s in production)."""


def slow_core(slack: SlackUnderTest, monkeypatch: pytest.MonkeyPatch, entered: list[str]) -> None:
    """Alice's requests take 0.5 s (within the grace); Bob's never finish and use the database until cancelled."""
    core, store = slack.app.core, slack.app.store

    def slowed(real: Any) -> Any:
        async def call(*args: Any, **kwargs: Any) -> Reply:
            user = kwargs["user"] if "user" in kwargs else args[0].user
            entered.append(user.id)
            if user.id == ALICE:
                await asyncio.sleep(0.5)
            elif user.id == BOB:
                while True:
                    await store.tally(poll_id=1)
                    await asyncio.sleep(0.02)
            result: Reply = await real(*args, **kwargs)
            return result

        return call

    monkeypatch.setattr(core, "handle", slowed(core.handle))


def ephemerals(fake: FakeSlack, user: str) -> list[tuple[str, str | None, str]]:
    """``chat.postEphemeral`` calls to ``user``: (channel, thread_ts, text)."""
    calls = [c.params for c in fake.calls_to("chat.postEphemeral") if c.params.get("user") == user]
    return [(str(p["channel"]), p.get("thread_ts"), str(p["text"])) for p in calls]


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_shutdown_answers_every_request_in_flight_and_closes_cleanly(
    mode: Mode,
    fake: FakeSlack,
    tmp_path: Path,
    clock: FakeClock,
    kb: KnowledgeBase,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    entered: list[str] = []
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb, refresh_interval=1.5) as slack:
        slack.adapter.shutdown_grace = GRACE
        await slack.command("/poll", "Tea? | Yes | No")
        channel, ts = await slack.poll_message(1)
        await slack.press("vote:1:1", message_ts=ts, user=ALICE)
        bob = await slack.press("vote:1:2", message_ts=ts, user=BOB, settle=False)  # its redraw waits 1.5 s: pending
        await fake.wait_for(lambda: bool(bob.answers), within=3)  # answered (and counted) before the core slows
        slow_core(slack, monkeypatch, entered)
        quick = await slack.command("/whosays", "lecun", user=ALICE, settle=False)
        stuck = await slack.command("/whosays", "ng", user=BOB, settle=False)
        mention = payloads.mention("<@UBOT> who is lecun?", user=BOB)
        await slack.event(mention, settle=False)
        await fake.wait_for(lambda: len(entered) == 3, within=3)

        started = time.monotonic()
        stopping = asyncio.create_task(slack.adapter.stop())  # what the runner does on SIGTERM
        await asyncio.sleep(0.05)
        late = await slack.command("/whosays", "lecun", user=CAROL, settle=False)
        late_press = await slack.press("vote:1:2", message_ts=ts, user=CAROL, settle=False)
        late_mention = payloads.mention("<@UBOT> who is lecun?", user=CAROL)
        late_dm = payloads.direct_message("whosays lecun", user=CAROL, channel="D0CAROL")
        late_acks = [late.answer, late_press.answer, await slack.event(late_mention, settle=False)]
        late_acks.append(await slack.event(late_dm, settle=False))
        await stopping
        stopped_in = time.monotonic() - started
        assert (await slack.app.store.tally(poll_id=1)).total_votes == 2, "Carol's late vote was not taken"
    await asyncio.sleep(0.2)  # anything the shutdown left running would now hit the closed database

    assert [a["response_type"] for a in quick.answers] == ["in_channel"], "within the grace: the real answer"
    assert "Yann LeCun" in quick.answers[0]["text"]
    assert [(a["response_type"], a["text"]) for a in stuck.answers] == [("ephemeral", RESTARTING)]
    thread = mention["event"]["ts"]
    assert ephemerals(fake, BOB) == [(CHANNEL, thread, RESTARTING)], "a mention's answer: in its thread, privately"

    assert [a.status for a in late_acks] == [200, 200, 200, 200], "acked at once while stopping"
    for refused in (late, late_press):
        assert [(a["response_type"], a["text"]) for a in refused.answers] == [("ephemeral", RESTARTING)]
    assert ephemerals(fake, CAROL) == [(CHANNEL, late_mention["event"]["ts"], RESTARTING)]
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "D0CAROL"] == [
        RESTARTING
    ]
    assert CAROL not in entered, "nothing new was started"

    assert "2 votes" in str(fake.messages[(channel, ts)]["text"]), "the pending redraw was sent before closing"
    assert stopped_in < GRACE + 2.5, f"bounded: {stopped_in:.1f} s"
    log = caplog.text
    for error in ("closed database", "Session is closed", "Traceback"):
        assert error not in log, log
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], log
    assert "shutting down: answers still waiting for the core: 2" in log


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_stop_with_nothing_in_flight_is_prompt(
    mode: Mode, fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb) as slack:
        exchange = await slack.command("/whosays", "lecun")
        started = time.monotonic()
        await slack.adapter.stop()
        stopped_in = time.monotonic() - started
    assert "Yann LeCun" in exchange.answers[0]["text"]
    assert stopped_in < 1.0, f"nothing to wait for, yet {stopped_in:.1f} s"
    assert "shutting down" not in caplog.text
