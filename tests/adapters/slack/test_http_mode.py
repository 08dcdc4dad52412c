"""HTTP mode: only requests signed with the signing secret, and fresh, get through."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import ALICE, SlackUnderTest, slack_under_test
from tests.conftest import FakeClock

SIX_MINUTES = 6 * 60


@pytest.fixture
async def http(fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> AsyncIterator[SlackUnderTest]:
    async with slack_under_test("http", fake, tmp_path / "bot.db", clock, kb) as slack:
        yield slack


def poll_command(fake: FakeSlack) -> bytes:
    _, url = fake.new_response_url()
    return urlencode(payloads.slash_command("/poll", "Tea? | A | B", user=ALICE, response_url=url)).encode()


async def assert_nothing_happened(slack: SlackUnderTest) -> None:
    await slack.adapter.drain()
    assert [c.method for c in slack.fake.calls] == ["auth.test"]
    assert slack.fake.posted == []
    assert await slack.app.store.list_polls() == []


@pytest.mark.parametrize(
    ("key", "shift"),
    [("sign_with", None), ("timestamp", -SIX_MINUTES), ("timestamp", SIX_MINUTES)],
    ids=["bad-signature", "six-minutes-old", "six-minutes-ahead"],
)
async def test_a_forged_or_stale_request_gets_401_and_changes_nothing(
    http: SlackUnderTest, key: str, shift: int | None
) -> None:
    assert http.sender is not None
    # The clock is read here, not when the tests are collected: a long run must not age the stamp into the window.
    forgery: dict[str, object] = {key: "not-the-signing-secret" if shift is None else int(time.time()) + shift}
    answer = await http.sender.send(poll_command(http.fake), "application/x-www-form-urlencoded", **forgery)  # type: ignore[arg-type]
    assert answer.status == 401
    await assert_nothing_happened(http)


async def test_a_request_without_signature_headers_gets_401(http: SlackUnderTest) -> None:
    assert http.sender is not None
    async with http.sender.session.post(http.sender.url, data=poll_command(http.fake)) as response:
        assert response.status == 401
    await assert_nothing_happened(http)


async def test_a_rejected_event_does_not_use_up_its_event_id(http: SlackUnderTest) -> None:
    assert http.sender is not None
    body = payloads.mention("<@UBOT> whosays lecun", user=ALICE, event_id="EvFORGED")
    forged = await http.sender.send(json.dumps(body).encode(), "application/json", sign_with="wrong")
    assert forged.status == 401
    await assert_nothing_happened(http)
    assert (await http.event(body)).status == 200
    assert len(http.fake.calls_to("chat.postMessage")) == 1


async def test_slacks_url_verification_challenge_is_answered(http: SlackUnderTest) -> None:
    assert http.sender is not None
    body = {
        "token": "t",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    answer = await http.sender.send(json.dumps(body).encode(), "application/json")
    assert answer.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in str(answer.body)


async def test_a_load_balancer_health_check_and_other_paths(http: SlackUnderTest) -> None:
    base = f"http://127.0.0.1:{http.adapter.http_port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as response:
            assert response.status == 200
            assert await response.text() == "ok"
        async with session.post(f"{base}/slack/other", data=b"x") as response:
            assert response.status == 404
        async with session.get(f"{base}/slack/events") as response:
            assert response.status == 405
