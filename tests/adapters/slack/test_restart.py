"""A restart: a vote on a poll message posted by the previous run is counted and redraws that same message."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.adapters.slack.harness import ALICE, BOB, Mode, slack_under_test
from tests.adapters.slack.payloads import CHANNEL
from tests.adapters.slack.process import bot_process
from tests.conftest import FakeClock


async def test_a_vote_after_a_restart_updates_the_old_message(
    mode: Mode, fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    database = tmp_path / "bot.db"
    async with slack_under_test(mode, fake, database, clock, kb) as first:
        await first.command("/poll", "Tea? | Yes | No")
        [summary] = await first.app.store.list_polls()
        _, ts = await first.poll_message(summary.id)
        await first.press(f"vote:{summary.id}:1", message_ts=ts, user=ALICE)
    updates_before = len(fake.calls_to("chat.update"))
    async with slack_under_test(mode, fake, database, clock, kb) as second:
        exchange = await second.press(f"vote:{summary.id}:2", message_ts=ts, user=BOB)
        tally = await second.app.store.tally(poll_id=summary.id)
    assert "Your vote for “No” is in." in exchange.answers[0]["text"]
    assert tally.counts == {"1": 1, "2": 1}
    update = fake.calls_to("chat.update")[updates_before]
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, ts)
    assert "2 votes" in str(fake.messages[(CHANNEL, ts)]["text"])


async def test_the_real_process_restarted_keeps_its_polls_and_its_event_memory(fake: FakeSlack, tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_BASE_URL": fake.base_url}
    database = tmp_path / "db" / "bot.db"
    mention = payloads.mention("<@UBOT> whosays lee", user=ALICE, event_id="EvACROSS")
    async with bot_process(tmp_path, database, env) as first:
        await fake.socket.wait_connected(within=30)
        _, url = fake.new_response_url()
        ack = await fake.socket.send(
            "slash_commands", payloads.slash_command("/poll", "Tea? | Yes | No", user=ALICE, response_url=url)
        )
        assert ack.status == 200
        await fake.socket.send("events_api", mention)
        await fake.wait_for(lambda: len(fake.calls_to("chat.postMessage")) == 2)
        [(channel, ts)] = [key for key, message in fake.messages.items() if "Tea?" in str(message["text"])]
    assert first.returncode == 0, (await first.stderr.read()).decode()  # type: ignore[union-attr]

    async with bot_process(tmp_path, database, env) as second:
        await fake.wait_for(lambda: fake.socket.opened == 2 and fake.socket.live(), within=30)
        retried = await fake.socket.send("events_api", mention, retry_attempt=1, retry_reason="timeout")
        _, url = fake.new_response_url()
        press = payloads.button_press("vote:1:2", user=BOB, message_ts=ts, response_url=url, channel=channel)
        voted = await fake.socket.send("interactive", press)
        await fake.wait_for(lambda: bool(fake.calls_to("chat.update")))
        await asyncio.sleep(0.3)
    assert second.returncode == 0, (await second.stderr.read()).decode()  # type: ignore[union-attr]
    assert retried.status == 200
    assert voted.status == 200
    assert voted.seconds < 3
    [update] = fake.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (channel, ts)
    assert "1 vote" in str(fake.messages[(channel, ts)]["text"])
    assert len(fake.calls_to("chat.postMessage")) == 2  # the retried mention was not answered again
    assert "Your vote for “No” is in." in fake.answers(url.rsplit("/", 1)[1])[0]["text"]
