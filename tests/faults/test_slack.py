"""Faults on Slack, through the real slack-bolt against the loopback fake: malformed HTTP requests, stray
buttons, formatting characters in polls, bare and misspelt mentions, response_urls in DEBUG logs, and a
refused app token at start-up."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.adapters.slack.inbound import BAD_REQUEST
from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack import payloads
from tests.adapters.slack.block_rules import text_objects
from tests.adapters.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.adapters.slack.harness import ALICE, BOB, Mode, SlackUnderTest, slack_under_test
from tests.adapters.slack.process import bot_process
from tests.adapters.slack.sender import signature
from tests.conftest import FakeClock

FORM = "application/x-www-form-urlencoded"
RUNS = 8
EXIT_WITHIN = 10.0
"""Seconds ``debatebot run`` may take to start, fail and exit (several start at once on a busy machine)."""
UNKNOWN_BUTTON = (
    "That button is not one of debatebot's, or it is from an old version. "
    "Mention me with “results <poll>” to see the poll."
)


@pytest.fixture
async def http(fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> AsyncIterator[SlackUnderTest]:
    async with slack_under_test("http", fake, tmp_path / "bot.db", clock, kb) as slack:
        yield slack


def form(payload: object) -> bytes:
    """A form body whose ``payload`` field is ``payload`` (a string as is, anything else as JSON)."""
    return urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)}).encode()


async def assert_nothing_happened(slack: SlackUnderTest, caplog: pytest.LogCaptureFixture) -> None:
    await slack.adapter.drain()
    assert [c.method for c in slack.fake.calls if c.method not in ("auth.test", "apps.connections.open")] == []
    assert slack.fake.posted == []
    assert await slack.app.store.list_polls() == []
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


# --- HTTP mode: requests bolt cannot read ---------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", ["abc", "²", "1e9", "", " 1700000000"])
async def test_a_timestamp_header_that_is_not_a_number_gets_401(
    http: SlackUnderTest, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    assert http.sender is not None
    body = urlencode(payloads.slash_command("/poll", "Tea? | A | B", user=ALICE, response_url="x")).encode()
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp}
    async with http.sender.session.post(http.sender.url, data=body, headers=headers) as unsigned:
        assert (unsigned.status, await unsigned.json()) == (401, {"error": "invalid request"})
    signed = await http.sender.send(
        body,
        FORM,
        headers={**headers, "X-Slack-Signature": signature(http.sender.secret, timestamp, body)},  # type: ignore[arg-type]
    )
    assert signed.status == 401
    await assert_nothing_happened(http, caplog)


UNREADABLE = {
    "payload-not-json": (form("{not json"), FORM),
    "payload-a-list": (form([1, 2]), FORM),
    "payload-a-number": (form("5"), FORM),
    "payload-null": (form("null"), FORM),
    "json-not-json": (b"{bad", "application/json"),
    "json-a-list": (b"[1]", "application/json"),
    "not-utf8": (b"payload=\xff\xfe", FORM),
    "team-a-number": (form({"type": "block_actions", "team": 5, "actions": [{"action_id": "vote:1:a"}]}), FORM),
}


@pytest.mark.parametrize(("body", "content_type"), UNREADABLE.values(), ids=UNREADABLE.keys())
async def test_a_body_bolt_cannot_parse_gets_400_when_signed_and_401_when_not(
    http: SlackUnderTest, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    assert http.sender is not None
    signed = await http.sender.send(body, content_type)
    assert (signed.status, signed.body) == (400, BAD_REQUEST)
    forged = await http.sender.send(body, content_type, sign_with="not-the-signing-secret")
    assert (forged.status, json.loads(forged.body)) == (401, {"error": "invalid request"})
    await assert_nothing_happened(http, caplog)
    assert "a signed Slack request whose body cannot be read" in caplog.text


WRONG_SHAPE = {
    "actions-a-string": {"type": "block_actions", "actions": "x"},
    "action-a-string": {"type": "block_actions", "actions": ["x"]},
    "action-id-a-number": {"type": "block_actions", "actions": [{"action_id": 5}]},
    "actions-empty": {"type": "block_actions", "actions": []},
    "state-a-string": {"type": "view_submission", "view": {"callback_id": "debatebot-new-poll", "state": "x"}},
    "view-without-type": {"type": "view_submission", "view": {"callback_id": "debatebot-new-poll"}},
}


@pytest.mark.parametrize("payload", WRONG_SHAPE.values(), ids=WRONG_SHAPE.keys())
async def test_a_signed_payload_of_the_wrong_shape_gets_400(
    http: SlackUnderTest, caplog: pytest.LogCaptureFixture, payload: dict[str, Any]
) -> None:
    assert http.sender is not None
    answer = await http.sender.send(form(payload), FORM)
    assert (answer.status, answer.body) == (400, BAD_REQUEST)
    await assert_nothing_happened(http, caplog)
    assert "a Slack request of the wrong shape" in caplog.text


async def test_a_signed_event_of_the_wrong_shape_gets_400(
    http: SlackUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    assert http.sender is not None
    answer = await http.sender.event({"type": "event_callback", "team_id": "T0FAKE", "event": "str"})
    assert (answer.status, answer.body) == (400, BAD_REQUEST)
    await assert_nothing_happened(http, caplog)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (form({"type": "weird"}), FORM),
        (form({"foo": 1}), FORM),
        (b"{}", "application/json"),
        (json.dumps({"type": "event_callback", "event": {"type": "reaction_added"}}).encode(), "application/json"),
        (urlencode({"command": "/notours", "text": "x"}).encode(), FORM),
        (form({"type": "view_submission", "view": "x"}), FORM),
    ],
    ids=["unknown-type", "no-type", "empty-json", "unsubscribed-event", "unknown-command", "view-not-an-object"],
)
async def test_a_signed_request_of_an_unknown_or_missing_type_gets_404_logged_on_one_line(
    http: SlackUnderTest, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    assert http.sender is not None
    answer = await http.sender.send(body, content_type)
    assert (answer.status, answer.body) == (404, "debatebot does not handle this kind of Slack request.")
    await assert_nothing_happened(http, caplog)
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.startswith("a Slack request debatebot does not handle (")
    assert "\n" not in line


async def test_a_socket_mode_envelope_of_the_wrong_shape_is_acknowledged_and_logged_on_one_line(
    fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_under_test("socket", fake, tmp_path / "bot.db", clock, kb) as slack:
        answer = await fake.socket.send("interactive", {"type": "block_actions", "actions": []})
        await assert_nothing_happened(slack, caplog)
    assert answer.status == 200  # acknowledged: Slack does not send it again
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert line == (
        "a Slack request of the wrong shape (block_actions; IndexError: list index out of range); "
        "acknowledged and dropped"
    )


# --- buttons that are not debatebot's ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["socket", "http"])
@pytest.mark.parametrize("action_id", ["approve_request", "vote:1", "vote:1:No Such", "close:abc", "vote:²:1", ""])
async def test_a_button_that_is_not_a_poll_button_gets_a_private_specific_answer(
    fake: FakeSlack,
    tmp_path: Path,
    clock: FakeClock,
    kb: KnowledgeBase,
    caplog: pytest.LogCaptureFixture,
    mode: Mode,
    action_id: str,
) -> None:
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb) as slack:
        await slack.command("/poll", "Tea? | Yes | No")
        _, ts = await slack.poll_message(1)
        before = dict(fake.messages)
        exchange = await slack.press(action_id, message_ts=ts, user=BOB)
        tally = await slack.app.store.tally(poll_id=1)
    assert exchange.answer.status == 200
    assert exchange.answer.seconds < 3
    [answer] = exchange.answers
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == UNKNOWN_BUTTON.replace("<", "&lt;").replace(">", "&gt;")
    assert answer["blocks"][0]["text"] == {"type": "plain_text", "text": UNKNOWN_BUTTON, "emoji": True}
    assert tally.voters == 0
    assert fake.messages == before
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING] == []


async def test_the_stray_button_answer_names_a_results_slash_command_when_there_is_one(
    fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    names = {"results": "/debate-results"}
    async with slack_under_test("socket", fake, tmp_path / "bot.db", clock, kb, slack_command_names=names) as slack:
        exchange = await slack.press("someone_elses_button", message_ts="1700000000.000001")
    [answer] = exchange.answers
    expected = "That button is not one of debatebot's, or it is from an old version. Use /debate-results <poll> to"
    assert answer["blocks"][0]["text"]["text"] == expected + " see the poll."


# --- user text is shown as typed ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_formatting_characters_in_a_poll_are_shown_as_typed(
    fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase, mode: Mode
) -> None:
    question, first, second = "*bold* _it_ ~s~ `code`?", "```a```", "> b <@U1> <!here>"
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb) as slack:
        await slack.command("/poll", f"{question} | {first} | {second.replace('<', '&lt;').replace('>', '&gt;')}")
        channel, ts = await slack.poll_message(1)
        vote = await slack.press("vote:1:1", message_ts=ts, user=BOB)
    message = fake.messages[(channel, ts)]
    texts = list(text_objects(message["blocks"]))
    assert {t["type"] for t in texts} == {"plain_text"}  # Slack never formats plain_text, nor links it
    shown = [t["text"] for t in texts]
    assert shown[0] == f"Poll #1: {question}"
    assert [line.split(")  ", 1)[1] for line in shown[1].splitlines()] == [first, second]
    assert [e["text"]["text"] for e in message["blocks"][3]["elements"][:2]] == [first, second]
    [confirmation] = vote.answers
    assert confirmation["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": f"Your vote for “{first}” is in.",
        "emoji": True,
    }
    assert "&lt;@U1&gt; &lt;!here&gt;" in message["text"]  # the fallback, which Slack parses, stays escaped


# --- mentions -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["<@UBOT>", "<@UBOT|debatebot>   ", "<@UBOT> \u200b", "<@UBOT>\u2800\u00a0", "\n<@UBOT>\t"]
)
async def test_a_bare_mention_gets_the_help(http: SlackUnderTest, text: str) -> None:
    await http.event(payloads.mention(text, user=ALICE))
    [call] = http.fake.calls_to("chat.postEphemeral")
    assert call.params["text"].startswith("debatebot commands")
    assert http.fake.calls_to("chat.postMessage") == []


async def test_a_mention_that_starts_with_a_slash_is_a_command_line(http: SlackUnderTest) -> None:
    await http.event(payloads.mention("<@UBOT> /hlep", user=ALICE))
    await http.event(payloads.mention("<@UBOT> /whosays lecun", user=ALICE))
    [mistyped] = http.fake.calls_to("chat.postEphemeral")
    assert "Unknown command /hlep" in mistyped.params["text"]
    assert "Did you mean /debatehelp?" in mistyped.params["text"]
    [answer] = http.fake.calls_to("chat.postMessage")
    assert "LeCun" in answer.params["text"]
    assert "Nothing in the knowledge base" not in str([c.params for c in http.fake.calls])


# --- response_urls in DEBUG logs ----------------------------------------------------------------------------------


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, as a root handler writes it; the redaction is undone afterwards."""
    factory = logging.getLogRecordFactory()
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        yield output
    finally:
        root.removeHandler(handler)
        logging.setLogRecordFactory(factory)
        for each in root.handlers:
            each.filters = [f for f in each.filters if type(f).__name__ != "RedactingFilter"]


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_response_urls_never_reach_the_debug_log(
    fake: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase, mode: Mode, debug_log: io.StringIO
) -> None:
    from bot.logredact import install_redaction

    install_redaction([BOT_TOKEN])
    async with slack_under_test(mode, fake, tmp_path / "bot.db", clock, kb) as slack:
        command = await slack.command("/whosays", "lecun")
        await slack.command("/poll", "Tea? | Yes | No")
        _, ts = await slack.poll_message(1)
        press = await slack.press("vote:1:1", message_ts=ts, user=BOB)
    assert command.answers
    assert press.answers
    logged = debug_log.getvalue()
    assert "Sending a request - url: http://127.0.0.1" in logged  # slack_sdk logs every response_url it posts to
    for url in (command.response_url, press.response_url):
        assert url not in logged
        assert url.split("/hooks/", 1)[1] not in logged


# --- a refused app token ------------------------------------------------------------------------------------------


async def refused_start(fake: FakeSlack, tmp_path: Path, run: int) -> tuple[int | None, str, float]:
    """``debatebot run`` with an app token Slack refuses: exit status, stderr, seconds until it exited."""
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-not-the-real-token",
        "SLACK_API_BASE_URL": fake.base_url,
    }
    started = time.monotonic()
    async with bot_process(tmp_path, tmp_path / f"bot{run}.db", env) as process:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), EXIT_WITHIN)
        seconds = time.monotonic() - started
        assert process.stderr is not None
        stderr = (await process.stderr.read()).decode() if process.returncode is not None else ""
        return process.returncode, stderr, seconds


async def test_a_refused_app_token_exits_1_promptly_every_time(fake: FakeSlack, tmp_path: Path) -> None:
    # It used to hang now and then (4 runs in 30): the adapter woke the scheduler just before failing.
    runs = []
    for batch in range(RUNS // 2):  # two at a time: each start costs a second or more of CPU
        runs += await asyncio.gather(*(refused_start(fake, tmp_path, 2 * batch + n) for n in range(2)))
    assert [status for status, _, _ in runs] == [1] * len(runs)
    for _, stderr, seconds in runs:
        assert seconds < EXIT_WITHIN
        assert "debatebot: Slack refused SLACK_APP_TOKEN (invalid_auth)" in stderr
        assert "not-the-real-token" not in stderr
