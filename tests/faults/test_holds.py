"""Faults that already hold, kept holding: kill -9 in a click burst, a locked database, a full disk, 300 clicks
from one member, forged Slack requests, and Slack's event retries (issue 9, item 7).

Every test reads the outcome where a person would see it: the rows in the real SQLite file, the HTTP status,
what the fake platform received, the exit code.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.app import App, build_app
from bot.core.reply import Reply
from bot.core.request import User
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from bot.store.sqlite import SQLiteStore
from tests.adapters.discord.conftest import ALICE as DISCORD_ALICE
from tests.adapters.discord.fake_discord import Actor, FakeDiscord, Interaction, buttons
from tests.adapters.discord.fake_discord import unescape as shown
from tests.adapters.discord.test_process import TOKEN as DISCORD_TOKEN
from tests.adapters.discord.test_process import bot_env, bot_process
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.harness import ALICE as SLACK_ALICE
from tests.adapters.slack.harness import Mode, SlackUnderTest, slack_under_test
from tests.adapters.slack.payloads import CHANNEL as SLACK_CHANNEL
from tests.conftest import ALICE, BOB, Chat, FakeClock

VOTE_ACK = re.compile(r"^(Your vote for|Your vote moved to|You already voted for) “([^”]+)”")
KIND = {"Your vote for": "recorded", "Your vote moved to": "changed", "You already voted for": "unchanged"}


def rows(database: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the real file with a connection of its own, as an operator's ``sqlite3`` would."""
    with closing(sqlite3.connect(database)) as db:
        return [tuple(row) for row in db.execute(sql, params)]


def stored_votes(database: Path, poll_id: int) -> dict[str, str]:
    """user id → the label of the option stored for them."""
    found = rows(
        database,
        "SELECT v.user_id, o.label FROM votes v JOIN poll_options o ON o.poll_id = v.poll_id AND o.key = v.option_key"
        " WHERE v.poll_id = ?",
        (poll_id,),
    )
    assert len(found) == len({user for user, _ in found}), f"more than one vote row for a member: {found}"
    return dict(found)


def acknowledged(text: str) -> tuple[str, str] | None:
    """``(kind, option label)`` when ``text`` acknowledges a vote."""
    match = VOTE_ACK.match(text)
    return (KIND[match.group(1)], match.group(2)) if match else None


# --- 1. kill -9 in the middle of a click burst (Discord, the real process) ----------------------------------------

KILL_AFTER = 12
IN_FLIGHT = 8
"""Clicks kept unanswered at any moment: the kill always lands with votes in flight, however fast the machine."""


async def test_kill_9_in_a_click_burst_loses_no_answered_vote(tmp_path: Path) -> None:
    database, log = tmp_path / "bot.db", tmp_path / "bot.log"
    labels = ("USA", "China", "EU")
    async with FakeDiscord(token=DISCORD_TOKEN) as fake:
        env = bot_env(fake, database)
        async with bot_process(env, tmp_path, log) as first:
            await fake.wait_identified(within=30)
            poll = await fake.answer(
                await fake.slash("poll", DISCORD_ALICE, question="Who wins?", options=" | ".join(labels))
            )
            vote_buttons = {b["label"]: b["custom_id"] for b in buttons(poll) if b.get("label") in labels}
            assert set(vote_buttons) == set(labels), buttons(poll)
            clicks: list[tuple[Actor, str, Interaction]] = []
            progress, killed = asyncio.Event(), asyncio.Event()
            unanswered_at_kill: list[int] = []

            def kill_mid_burst(what: str, item: Any) -> None:
                answered = sum(i.answered.is_set() for _, _, i in clicks)
                if what == "answer" and answered >= KILL_AFTER and not killed.is_set():
                    first.send_signal(signal.SIGKILL)  # no goodbye: the process dies between two answers
                    unanswered_at_kill.append(len(clicks) - answered)
                    killed.set()
                progress.set()

            fake.on_change = kill_mid_burst
            n = 0
            while not killed.is_set():
                if sum(not i.answered.is_set() for _, _, i in clicks) >= IN_FLIGHT:
                    progress.clear()
                    await asyncio.wait_for(progress.wait(), 15)
                    continue
                actor, label = Actor(200_000_000_000_000_000 + n, f"Member {n}"), labels[n % 3]
                clicks.append((actor, label, await fake.click(poll, vote_buttons[label], actor)))
                n += 1
            assert await asyncio.wait_for(first.wait(), 15) == -signal.SIGKILL, log.read_text()
            fake.on_change = None
        assert unanswered_at_kill[0] > 0, "no vote was in flight when the process died"
        answered: dict[str, str] = {}
        for actor, label, interaction in clicks:
            if interaction.answered.is_set():
                text = shown((await fake.answer(interaction)).content or "")
                assert acknowledged(text) == ("recorded", label), text
                answered[str(actor.id)] = label
        assert len(answered) >= KILL_AFTER

        fake.identified.clear()
        async with bot_process(env, tmp_path, log) as second:
            await fake.wait_identified(within=30)
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 15) == 0, log.read_text()

    stored = stored_votes(database, 1)
    assert {user: stored.get(user) for user in answered} == answered, "an answered vote is missing after the restart"
    clicked = {str(actor.id): label for actor, label, _ in clicks}
    assert all(clicked[user] == label for user, label in stored.items()), "a stored vote nobody cast"


# --- 2. a locked database -------------------------------------------------------------------------------------------

LOCK_HELD = 1.0
SHORT_BUSY_TIMEOUT_MS = 300
"""The store waits 5 s on a lock; shortened here so that a lock outlasting it takes a second, not six."""
BUSY = "The database is busy right now; nothing was changed. Please try again in a moment."
FULL = (
    "The bot cannot save anything right now (its disk is full); nothing was changed. "
    "An operator has been told; please try again later."
)


def hold_write_lock(database: Path) -> sqlite3.Connection:
    """Another process's writer in the middle of a transaction: ``BEGIN IMMEDIATE`` and a row, not committed."""
    holder = sqlite3.connect(database, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO meta (key, value) VALUES ('held-by', 'another process')")
    return holder


def database_of(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


async def test_votes_wait_out_a_one_second_write_lock_and_are_all_stored(chat: Chat, settings: Settings) -> None:
    database = database_of(settings)
    assert not (await chat.say("/poll Tea? | Yes | No")).error
    voters = [User(id=f"voter{n}", display_name=f"Voter {n}") for n in range(6)]
    holder = hold_write_lock(database)
    try:
        started = time.monotonic()
        votes = [asyncio.create_task(chat.say(f"/vote 1 {1 + n % 2}", user)) for n, user in enumerate(voters)]
        await asyncio.sleep(LOCK_HELD)
        assert not any(v.done() for v in votes), "a vote finished while another connection held the write lock"
        holder.execute("COMMIT")
        replies = await asyncio.gather(*votes)
    finally:
        holder.close()
    assert time.monotonic() - started >= LOCK_HELD
    assert [r.fallback.splitlines()[0] for r in replies] == [
        f"Your vote for “{'Yes' if n % 2 == 0 else 'No'}” is in." for n in range(len(voters))
    ]
    assert not any(r.error for r in replies)
    assert stored_votes(database, 1) == {u.id: "Yes" if n % 2 == 0 else "No" for n, u in enumerate(voters)}
    assert rows(database, "SELECT value FROM meta WHERE key = 'held-by'") == [("another process",)]


@pytest.fixture
async def impatient_app(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, clock: FakeClock, kb: KnowledgeBase
) -> AsyncIterator[App]:
    """An app whose store gives up on a lock after 0.3 s instead of 5 s."""
    monkeypatch.setattr("bot.store.sqlite_base.BUSY_TIMEOUT_MS", SHORT_BUSY_TIMEOUT_MS)
    application = build_app(settings, clock=clock, kb=kb)
    await application.start()
    yield application
    await application.stop()


async def test_a_lock_that_outlasts_the_busy_timeout_gets_try_again_and_writes_nothing(
    impatient_app: App, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    database, chat = database_of(settings), Chat(impatient_app.core)
    assert not (await chat.say("/poll Tea? | Yes | No")).error
    assert not (await chat.say("/vote 1 1", ALICE)).error
    before = rows(database, "SELECT * FROM votes ORDER BY user_id")
    holder = hold_write_lock(database)
    try:
        started = time.monotonic()
        changed = await chat.say("/vote 1 2", ALICE)
        new = await chat.say("/vote 1 2", BOB)
        poll = await chat.say("/poll Coffee? | Black | White")
        waited = time.monotonic() - started
        after = rows(database, "SELECT * FROM votes ORDER BY user_id")
        polls = rows(database, "SELECT id FROM polls")
        options = rows(database, "SELECT poll_id, key FROM poll_options ORDER BY poll_id, key")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [(r.error, r.fallback) for r in (changed, new, poll)] == [(True, BUSY)] * 3
    assert waited >= 3 * SHORT_BUSY_TIMEOUT_MS / 1000, "each write waited for the lock before giving up"
    assert after == before
    assert polls == [(1,)]
    assert options == [(1, "1"), (1, "2")]
    failures = [r for r in caplog.records if r.name == "bot.core.core"]
    assert [r.getMessage() for r in failures] == [
        f"command /{name}: the database stayed busy (database is locked); the user was asked to retry"
        for name in ("vote", "vote", "poll")
    ]
    assert not any(r.exc_info for r in caplog.records), "one line each, no traceback"

    # the lock is gone: the same requests go through
    assert (await chat.say("/vote 1 2", ALICE)).fallback.startswith("Your vote moved to “No”.")
    assert (await chat.say("/vote 1 2", BOB)).fallback.startswith("Your vote for “No” is in.")
    assert not (await chat.say("/poll Coffee? | Black | White")).error
    assert stored_votes(database, 1) == {"alice": "No", "bob": "No"}
    assert rows(database, "SELECT count(*) FROM poll_options WHERE poll_id = 2") == [(2,)]


# --- 3. a full disk -------------------------------------------------------------------------------------------------

LONG = "x" * 70


async def test_a_full_disk_gets_an_error_reply_keeps_earlier_data_and_recovers(
    app: App, chat: Chat, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    database, store = database_of(settings), app.store
    assert isinstance(store, SQLiteStore)
    assert not (await chat.say("/poll Tea? | Yes | No")).error
    await chat.say("/vote 1 1", ALICE)
    await chat.say("/vote 1 2", BOB)
    unlimited = await store.call(lambda db: db.execute("PRAGMA max_page_count").fetchone()[0])
    used = await store.call(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
    await store.set_pragma("max_page_count", used)  # the file may not grow: SQLITE_FULL

    created: list[Reply] = []
    refused_poll: Reply | None = None
    for n in range(60):  # polls fill the free space left in the last pages, then one is refused
        answer = await chat.say(f"/poll Q{n} {LONG}? | A {LONG} | B {LONG} | C {LONG} | D {LONG}")
        if answer.error:
            refused_poll = answer
            break
        created.append(answer)
    assert refused_poll is not None, "the database never filled up"
    assert refused_poll.fallback == FULL

    acknowledged_votes: dict[str, str] = {"alice": "Yes", "bob": "No"}
    refused_vote: Reply | None = None
    for n in range(400):
        answer = await chat.say("/vote 1 1", User(id=f"late{n:03}", display_name="Late"))
        if answer.error:
            refused_vote = answer
            break
        assert answer.fallback.startswith("Your vote for “Yes” is in."), answer.fallback
        acknowledged_votes[f"late{n:03}"] = "Yes"
    assert refused_vote is not None, "the votes table never filled up"
    assert refused_vote.fallback == FULL
    full = [r.getMessage() for r in caplog.records if r.name == "bot.core.core"]
    assert full == [
        f"command /{name}: the database cannot grow (database or disk is full): free disk space"
        for name in ("poll", "vote")
    ]
    assert not any(r.exc_info for r in caplog.records), "one line each, no traceback"

    # still running, and reading: every acknowledged vote and poll is there, nothing half-written
    results = await chat.say("/results 1")
    assert not results.error
    assert f"{len(acknowledged_votes)} votes" in results.fallback
    assert stored_votes(database, 1) == acknowledged_votes
    polls = rows(
        database, "SELECT p.id, count(o.key) FROM polls p LEFT JOIN poll_options o ON o.poll_id = p.id GROUP BY p.id"
    )
    assert polls == [(1, 2)] + [(2 + n, 4) for n in range(len(created))]

    # space again: writes work
    await store.set_pragma("max_page_count", unlimited)
    assert not (await chat.say("/poll After? | Yes | No")).error
    assert (await chat.say("/vote 1 2", User(id="after", display_name="After"))).fallback.startswith(
        "Your vote for “No” is in."
    )
    assert stored_votes(database, 1) == {**acknowledged_votes, "after": "No"}
    assert rows(database, "SELECT question FROM polls ORDER BY id DESC LIMIT 1") == [("After?",)]


# --- 4. 300 clicks from one member on one single-choice poll -------------------------------------------------------


async def test_300_concurrent_clicks_from_one_member_leave_one_vote_the_last_acknowledged(
    chat: Chat, settings: Settings
) -> None:
    database = database_of(settings)
    assert not (await chat.say("/poll Tea? | Yes | No | Maybe")).error
    labels = {"1": "Yes", "2": "No", "3": "Maybe"}
    finished: list[Reply] = []

    async def click(pressed: Awaitable[Reply]) -> None:
        finished.append(await pressed)

    # each option twice in a row, so that clicks both change the vote and repeat it
    await asyncio.gather(*(click(chat.press(f"vote:1:{1 + (n // 2) % 3}", ALICE)) for n in range(300)))

    assert [r.fallback for r in finished if r.error] == []
    outcomes = [acknowledged(r.fallback) for r in finished]
    assert None not in outcomes, [r.fallback for r in finished]
    kinds = Counter(kind for kind, _ in outcomes)  # type: ignore[misc]
    assert kinds["recorded"] == 1
    assert kinds["changed"] > 0
    assert kinds["unchanged"] > 0
    assert sum(kinds.values()) == 300
    last = outcomes[-1]
    assert last is not None
    assert rows(database, "SELECT user_id, option_key FROM votes WHERE poll_id = 1") == [
        ("alice", next(key for key, label in labels.items() if label == last[1]))
    ]


# --- 5. forged and stale requests in Slack HTTP mode -----------------------------------------------------------------

SIX_MINUTES = 6 * 60


@pytest.fixture
def fake_slack(fake: FakeSlack) -> FakeSlack:
    """The shared fake Slack (tests/faults/conftest.py), named apart from the fake Discord of the kill test."""
    return fake


@pytest.fixture
async def http(
    fake_slack: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> AsyncIterator[SlackUnderTest]:
    async with slack_under_test("http", fake_slack, tmp_path / "bot.db", clock, kb) as slack:
        yield slack


@pytest.mark.parametrize(
    "forgery",
    [
        {"sign_with": "not-the-signing-secret"},
        {"headers": {"X-Slack-Signature": ""}},
        {"drop": "X-Slack-Signature"},
        {"age": SIX_MINUTES},
    ],
    ids=["wrong-signature", "empty-signature", "missing-signature", "six-minutes-old"],
)
async def test_a_forged_or_stale_slack_request_gets_401_and_changes_nothing(
    http: SlackUnderTest, tmp_path: Path, forgery: dict[str, Any]
) -> None:
    sender, fake = http.sender, http.fake
    assert sender is not None
    _, url = fake.new_response_url()
    command = payloads.slash_command("/poll", "Tea? | A | B", user=SLACK_ALICE, response_url=url)
    mention = payloads.mention("<@UBOT> whosays lee", user=SLACK_ALICE, event_id="EvFORGED")
    bodies = [
        (urlencode(command).encode(), "application/x-www-form-urlencoded"),
        (json.dumps(mention).encode(), "application/json"),
    ]
    for body, content_type in bodies:
        if "drop" in forgery:
            headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(int(time.time()))}
            async with sender.session.post(sender.url, data=body, headers=headers) as response:
                assert response.status == 401
        elif "age" in forgery:  # the timestamp is taken now, not when the tests were collected
            answer = await sender.send(body, content_type, timestamp=int(time.time()) - forgery["age"])
            assert answer.status == 401
        else:
            answer = await sender.send(body, content_type, **forgery)
            assert answer.status == 401
    await http.adapter.drain()
    assert [c.method for c in fake.calls if c.method != "auth.test"] == []
    assert fake.posted == []
    database = tmp_path / "bot.db"
    assert rows(database, "SELECT count(*) FROM polls") == [(0,)]
    assert rows(database, "SELECT count(*) FROM processed_events") == [(0,)]

    # the same requests, signed and fresh, go through
    assert (await sender.command(command)).status == 200
    assert (await http.event(mention)).status == 200
    await http.adapter.drain()
    assert rows(database, "SELECT question FROM polls") == [("Tea?",)]
    assert len(fake.calls_to("chat.postMessage")) == 2


# --- 6. Slack event retries -----------------------------------------------------------------------------------------


def mention_answers(fake: FakeSlack, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The posts made in the thread of ``event``'s message."""
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == event["event"]["ts"]]


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_an_event_delivered_three_times_is_answered_once(
    mode: Mode, fake_slack: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    body = payloads.mention("<@UBOT> whosays lee", user=SLACK_ALICE, event_id="EvTHREE")
    async with slack_under_test(mode, fake_slack, tmp_path / "bot.db", clock, kb) as slack:
        answers = [await slack.event(body, retry=retry) for retry in range(3)]
    assert [a.status for a in answers] == [200, 200, 200]
    [answer] = mention_answers(fake_slack, body)
    assert answer["channel"] == SLACK_CHANNEL
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert fake_slack.calls_to("chat.postEphemeral") == []
    assert rows(tmp_path / "bot.db", "SELECT platform, event_id FROM processed_events") == [("slack", "EvTHREE")]


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_event_retries_after_a_restart_on_the_same_database_are_not_answered_again(
    mode: Mode, fake_slack: FakeSlack, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    database = tmp_path / "bot.db"
    body = payloads.mention("<@UBOT> whosays lee", user=SLACK_ALICE, event_id="EvACROSS")
    fresh = payloads.mention("<@UBOT> whosays ng", user=SLACK_ALICE, event_id="EvFRESH")
    async with slack_under_test(mode, fake_slack, database, clock, kb) as first:
        assert (await first.event(body)).status == 200
    assert len(mention_answers(fake_slack, body)) == 1
    async with slack_under_test(mode, fake_slack, database, clock, kb) as second:
        retried = [await second.event(body, retry=retry) for retry in (1, 2)]
        assert (await second.event(fresh)).status == 200
    assert [a.status for a in retried] == [200, 200]
    assert len(mention_answers(fake_slack, body)) == 1
    assert len(mention_answers(fake_slack, fresh)) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert rows(database, "SELECT event_id FROM processed_events ORDER BY event_id") == [("EvACROSS",), ("EvFRESH",)]
