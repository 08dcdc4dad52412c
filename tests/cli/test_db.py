"""``debatebot db upgrade|check|copy``, and processes that refuse a schema that is not current."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.models import RunStatus
from bot.core.ports import Store
from bot.store.migrations import load_migrations
from bot.store.postgres import PostgresStore
from bot.store.postgres_schema import postgres_migrations
from bot.store.sqlite import SQLiteStore
from tests.cli.conftest import Cli
from tests.conftest import START
from tests.postgres import fresh_schema_sync, query
from tests.services import postgres_url
from tests.store.factories import GENERAL, OTHER, new_poll

SQLITE_LATEST = len(load_migrations())
PG_LATEST = len(postgres_migrations())
HOUR = timedelta(hours=1)


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A URL naming a fresh, empty PostgreSQL schema (no tables yet)."""
    with fresh_schema_sync(postgres_url()) as url:
        yield url


@pytest.fixture
def pg(in_process: Path, pg_schema: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """For ``bot.cli.main`` in this process: ``DATABASE_URL`` is a fresh, empty PostgreSQL schema."""
    monkeypatch.setenv("DATABASE_URL", pg_schema)
    return pg_schema


# --- db check and db upgrade ------------------------------------------------------------------------------


def test_check_and_upgrade_on_postgresql(pg: str, capsys: pytest.CaptureFixture[str]) -> None:
    shown = pg  # no password in it: shown as it is
    code, out, err = run_main(capsys, "db", "check")
    assert (code, out) == (1, "")
    assert err == (
        f"{shown}: schema behind: version 0, this debatebot expects {PG_LATEST}: run `debatebot db upgrade`\n"
    )

    assert run_main(capsys, "db", "upgrade") == (0, f"{shown}: schema upgraded from version 0 to {PG_LATEST}\n", "")
    assert query(pg, "SELECT array_agg(version ORDER BY version) FROM schema_version") == list(range(1, PG_LATEST + 1))
    assert run_main(capsys, "db", "upgrade") == (0, f"{shown}: schema already current (version {PG_LATEST})\n", "")
    assert run_main(capsys, "db", "check") == (0, f"{shown}: schema current (version {PG_LATEST})\n", "")

    query(pg, "INSERT INTO schema_version (version, name) VALUES ($1, 'future')", PG_LATEST + 1)
    code, out, err = run_main(capsys, "db", "check")
    assert (code, out) == (1, "")
    assert f"schema newer than this debatebot: version {PG_LATEST + 1}, this debatebot knows {PG_LATEST}" in err
    code, _, err = run_main(capsys, "db", "upgrade")
    assert code == 1
    assert "newer than this debatebot" in err
    assert query(pg, "SELECT max(version) FROM schema_version") == PG_LATEST + 1


def test_check_and_upgrade_on_sqlite(in_process: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "db", "check")
    assert code == 1
    assert f"{in_process}: schema behind: version 0, this debatebot expects {SQLITE_LATEST}" in err
    assert not in_process.exists(), "checking creates nothing"

    expected = f"{in_process}: schema upgraded from version 0 to {SQLITE_LATEST}\n"
    assert run_main(capsys, "db", "upgrade") == (0, expected, "")
    assert run_main(capsys, "db", "check") == (0, f"{in_process}: schema current (version {SQLITE_LATEST})\n", "")

    with closing(sqlite3.connect(in_process)) as db:
        db.execute(f"PRAGMA user_version = {SQLITE_LATEST + 2}")
    code, _, err = run_main(capsys, "db", "check")
    assert code == 1
    assert "newer than this debatebot" in err
    assert "point DATABASE_URL at another file" in err


def test_check_of_a_file_that_is_not_sqlite(in_process: Path, capsys: pytest.CaptureFixture[str]) -> None:
    in_process.parent.mkdir(parents=True)
    in_process.write_text("not a database\n", encoding="utf-8")
    code, _, err = run_main(capsys, "db", "check")
    assert code == 2
    assert f"{in_process} is not a SQLite database" in err


def test_check_names_an_unreachable_server_without_its_password(
    in_process: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:hunter2-secret@127.0.0.1:1/test")
    code, out, err = run_main(capsys, "db", "check")
    assert code == 1
    assert err == (
        "debatebot: database postgresql://bot@127.0.0.1:1/test: cannot connect to PostgreSQL at 127.0.0.1:1 "
        "(Connection refused): is the server running, and is DATABASE_URL right?\n"
    )
    assert "hunter2" not in out + err


# --- processes refuse a schema that is not current -------------------------------------------------------


def test_the_bot_refuses_to_start_on_a_schema_behind_and_creates_nothing(pg_schema: str, cli: Cli) -> None:
    pg = pg_schema
    for command in ("console", "run"):
        result = cli.run(command, stdin="/polls\n", env={"DATABASE_URL": pg})
        assert result.returncode == 1, (command, result.stderr)
        assert result.stderr == (
            f"debatebot: database {pg}: schema behind: version 0, this debatebot expects {PG_LATEST}: "
            "run `debatebot db upgrade`\n"
        )
        assert result.stdout == ""
    assert query(pg, "SELECT to_regclass('polls') IS NULL")


def test_the_bot_refuses_to_start_on_a_newer_schema(pg_schema: str, cli: Cli) -> None:
    pg = pg_schema
    assert cli.run("db", "upgrade", env={"DATABASE_URL": pg}).returncode == 0
    query(pg, "INSERT INTO schema_version (version, name) VALUES ($1, 'future')", PG_LATEST + 3)

    for command in ("console", "run", "polls"):
        args = ("polls", "list") if command == "polls" else (command,)
        result = cli.run(*args, stdin="/polls\n", env={"DATABASE_URL": pg})
        assert result.returncode == 1, (command, result.stderr)
        assert f"schema newer than this debatebot: version {PG_LATEST + 3}" in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_the_bot_runs_on_postgresql_once_upgraded(pg_schema: str, cli: Cli) -> None:
    pg = pg_schema
    upgraded = cli.run("db", "upgrade", env={"DATABASE_URL": pg})
    assert (upgraded.returncode, upgraded.stdout) == (0, f"{pg}: schema upgraded from version 0 to {PG_LATEST}\n")

    result = cli.run("console", stdin="/poll Tea? | Yes | No\n1\n", env={"DATABASE_URL": pg})
    assert result.returncode == 0, result.stderr
    listed = cli.run("polls", "list", env={"DATABASE_URL": pg})
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "#1\topen\t1 votes\tconsole/console\tTea?\n"


# --- db copy ----------------------------------------------------------------------------------------------


async def populate(store: Store) -> None:
    """Some of everything: polls of each kind with votes, subscriptions, runs, quotes, meta, events."""
    single = await store.create_poll(poll=new_poll(), now=START)
    multi = await store.create_poll(
        poll=new_poll(channel=OTHER, max_choices=2, anonymous=True, closes_at=START + HOUR), now=START
    )
    await store.create_poll(poll=new_poll(question="No votes?", preset_id="whos-losing"), now=START + HOUR)
    for user, key in [("u1", "a"), ("u2", "b"), ("u3", "a"), ("u3", "c")]:
        await store.cast_vote(poll_id=single.id, user_id=user, option_key=key, now=START)
    for user, key in [("u1", "a"), ("u1", "b"), ("u2", "c")]:
        await store.cast_vote(poll_id=multi.id, user_id=user, option_key=key, now=START)
    await store.set_poll_message(poll_id=single.id, message_ref="C1/1700000000.000100")
    await store.close_poll(poll_id=single.id, now=START + HOUR)
    await store.subscribe_digest(channel=GENERAL, local_time="08:30", time_zone="Europe/Paris", user_id="a", now=START)
    await store.subscribe_digest(channel=OTHER, local_time="09:00", time_zone="UTC", user_id="b", now=START)
    await store.pause_subscription(channel=OTHER, reason="channel gone")
    day = date(2026, 3, 1)
    await store.claim_digest_run(channel=GENERAL, local_date=day, now=START, lease=HOUR)
    await store.finish_digest_run(channel=GENERAL, local_date=day, status=RunStatus.POSTED, now=START, message_ref="m")
    await store.claim_digest_run(channel=OTHER, local_date=day, now=START, lease=HOUR)
    await store.retry_digest_run(channel=OTHER, local_date=day, error="timeout", retry_at=START + HOUR)
    for offset in range(3):
        await store.quote_of_the_day(channel=GENERAL, local_date=day + timedelta(days=offset), claim_ids=CLAIMS)
    await store.set_meta(key="discord.commands", value="abc123")
    await store.claim_event(platform="slack", event_id="Ev1", now=START)
    await store.claim_event(platform="slack", event_id="Ev2", now=START)


CLAIMS = [f"claim-{i}" for i in range(5)]
EXPECTED_COUNTS = {
    "polls": 3,
    "poll_options": 9,
    "votes": 6,
    "digest_subscriptions": 2,
    "digest_quotes": 3,
    "digest_runs": 2,
    "meta": 1,
    "processed_events": 2,
}


async def everything(store: Store) -> tuple[object, ...]:
    """What a bot reads back, for comparing two stores."""
    polls = await store.list_polls(open_at=START + 30 * HOUR)
    snapshots = [await store.poll_snapshot(poll_id=p.id, with_voters=True) for p in await store.list_polls()]
    runs = [await store.last_digest_run(channel=channel) for channel in (GENERAL, OTHER)]
    quotes = [
        await store.quote_of_the_day(channel=GENERAL, local_date=date(2026, 3, 1) + timedelta(days=d), claim_ids=CLAIMS)
        for d in range(3)
    ]
    return (
        polls,
        snapshots,
        await store.list_subscriptions(),
        runs,
        quotes,
        await store.get_meta(key="discord.commands"),
    )


@pytest.fixture
def sqlite_source(tmp_path: Path) -> Path:
    path = tmp_path / "source" / "bot.db"

    async def fill() -> None:
        store = SQLiteStore(path)
        await store.open()
        try:
            await populate(store)
        finally:
            await store.close()

    asyncio.run(fill())
    return path


def test_copy_sqlite_into_an_empty_postgresql_schema(
    pg: str, sqlite_source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(capsys, "db", "copy", f"sqlite:///{sqlite_source}", pg)

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"copied {sqlite_source} into {pg}; rows per table:"
    counted = {line.split()[0]: (int(line.split()[1]), int(line.split()[2])) for line in lines[2:]}
    assert counted == {table: (n, n) for table, n in EXPECTED_COUNTS.items()}

    async def compare() -> None:
        source, copy = SQLiteStore(sqlite_source), PostgresStore(pg)
        await source.open()
        await copy.open()  # the copy brought the schema up to date: no upgrade needed
        try:
            assert await everything(copy) == await everything(source)
            assert await copy.claim_event(platform="slack", event_id="Ev1", now=START) is False  # already seen
            assert await copy.claim_event(platform="slack", event_id="Ev3", now=START) is True
            created = await copy.create_poll(poll=new_poll(), now=START)
            assert created.id == 4  # the id sequence continues after the copied ids
        finally:
            await source.close()
            await copy.close()

    asyncio.run(compare())


def test_copy_refuses_a_destination_that_is_not_empty(
    pg: str, sqlite_source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main(capsys, "db", "copy", f"sqlite:///{sqlite_source}", pg)[0] == 0

    code, out, err = run_main(capsys, "db", "copy", f"sqlite:///{sqlite_source}", pg)

    assert (code, out) == (1, "")
    assert err == (
        f"debatebot: db copy: {pg} is not empty (polls 3, poll_options 9, votes 6, digest_subscriptions 2, "
        "digest_quotes 3, digest_runs 2, meta 1, processed_events 2 rows); copy only into an empty database, "
        "so that nothing is mixed or overwritten\n"
    )
    assert query(pg, "SELECT count(*) FROM votes") == EXPECTED_COUNTS["votes"]


@pytest.mark.parametrize(
    ("source", "destination", "message"),
    [
        ("postgresql://a@127.0.0.1/x", "postgresql://b@127.0.0.1/y", "SRC must be a sqlite URL (sqlite:///PATH)"),
        ("sqlite:///a.db", "sqlite:///b.db", "DST must be a postgresql URL (postgresql://USER:PASSWORD@HOST:5432/"),
        ("sqlite:///a.db", "mysql://u:pw@h/db", "DST: use sqlite:///PATH"),
    ],
)
def test_copy_needs_sqlite_then_postgresql(
    in_process: Path, capsys: pytest.CaptureFixture[str], source: str, destination: str, message: str
) -> None:
    code, out, err = run_main(capsys, "db", "copy", source, destination)
    assert (code, out) == (2, "")
    assert f"debatebot: db copy: {message}" in err
    assert "pw" not in err


def test_copy_from_a_missing_file_or_to_an_unreachable_server(
    in_process: Path, sqlite_source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(capsys, "db", "copy", f"sqlite:///{in_process.parent / 'none.db'}", "postgresql://u@h/x")
    assert code == 1
    assert err == f"debatebot: db copy: no SQLite database at {in_process.parent / 'none.db'}\n"

    unreachable = "postgresql://bot:hunter2-secret@127.0.0.1:1/test"
    code, _, err = run_main(capsys, "db", "copy", f"sqlite:///{sqlite_source}", unreachable)
    assert code == 1
    assert "cannot connect to PostgreSQL at 127.0.0.1:1 (Connection refused)" in err
    assert "hunter2" not in err
