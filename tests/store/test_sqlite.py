"""SQLite specifics: pragmas, migrations and user_version, files and folders, WAL readers."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import bot.store
from bot.core.models import Tally, VoteOutcome
from bot.core.ports import StoreError
from bot.store.migrations import load_migrations, migrate
from bot.store.sqlite import BUSY_TIMEOUT_MS, SQLiteStore
from tests.store.factories import HOUR, T0, new_poll

MIGRATION_FILES = sorted((Path(bot.store.__file__).parent / "migrations").glob("[0-9][0-9][0-9][0-9]_*.sql"))


@asynccontextmanager
async def opened(path: Path) -> AsyncIterator[SQLiteStore]:
    store = SQLiteStore(path)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@contextmanager
def plain(path: Path) -> Iterator[sqlite3.Connection]:
    """Another 'process': a plain sqlite3 connection in autocommit mode."""
    with closing(sqlite3.connect(path, isolation_level=None, timeout=5)) as connection:
        yield connection


def pragma(path: Path, name: str) -> Any:
    with plain(path) as connection:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]


async def store_pragma(store: SQLiteStore, name: str) -> Any:
    return await store.call(lambda db: db.execute(f"PRAGMA {name}").fetchone()[0])


NAIVE = datetime(2026, 1, 1)  # no tzinfo


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "debatebot.sqlite3"


async def test_connection_pragmas(db_path: Path) -> None:
    async with opened(db_path) as store:
        assert str(await store_pragma(store, "journal_mode")).lower() == "wal"
        assert await store_pragma(store, "foreign_keys") == 1
        assert await store_pragma(store, "busy_timeout") == BUSY_TIMEOUT_MS
        assert BUSY_TIMEOUT_MS >= 1000
        # WAL is a property of the file: another connection sees it too
        assert str(pragma(db_path, "journal_mode")).lower() == "wal"


async def test_user_version_is_the_number_of_migration_files(db_path: Path) -> None:
    assert MIGRATION_FILES, "no migration files found"
    assert len(load_migrations()) == len(MIGRATION_FILES)

    async with opened(db_path) as store:
        assert await store_pragma(store, "user_version") == len(MIGRATION_FILES)
    assert pragma(db_path, "user_version") == len(MIGRATION_FILES)


async def test_migrations_create_the_tables(db_path: Path) -> None:
    async with opened(db_path):
        pass
    with plain(db_path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"polls", "poll_options", "votes", "digest_subscriptions", "digest_quotes"} <= tables


async def test_newer_database_is_refused_and_left_untouched(db_path: Path) -> None:
    newer = len(MIGRATION_FILES) + 5
    with plain(db_path) as connection:
        connection.execute(f"PRAGMA user_version = {newer}")
        connection.execute("CREATE TABLE from_the_future (x INTEGER)")

    store = SQLiteStore(db_path)
    with pytest.raises(StoreError, match="newer"):
        await store.open()

    with pytest.raises(StoreError, match="not open"):
        await store.call(lambda db: db.execute("SELECT 1"))  # the failed open left nothing half-open
    await store.close()  # and closing is still harmless
    assert pragma(db_path, "user_version") == newer
    with plain(db_path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"from_the_future"}  # no migration ran


async def test_reopening_keeps_the_data(db_path: Path) -> None:
    async with opened(db_path) as store:
        poll = await store.create_poll(poll=new_poll(max_choices=2, closes_at=T0 + 10 * HOUR), now=T0)
        await store.cast_vote(poll_id=poll.id, user_id="u1", option_key="a", now=T0)
        await store.cast_vote(poll_id=poll.id, user_id="u2", option_key="b", now=T0)
        await store.set_poll_message(poll_id=poll.id, message_ref="m-1")
        before = await store.get_poll(poll_id=poll.id)

    async with opened(db_path) as store:  # a restart
        assert await store.get_poll(poll_id=poll.id) == before
        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 1, "b": 1, "c": 0}, voters=2)
        assert await store.cast_vote(poll_id=poll.id, user_id="u1", option_key="a", now=T0 + HOUR) == (
            VoteOutcome.REMOVED
        )
        assert await store_pragma(store, "user_version") == len(MIGRATION_FILES)


async def test_database_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "does" / "not" / "exist" / "bot.sqlite3"

    async with opened(path) as store:
        await store.create_poll(poll=new_poll(), now=T0)

    assert path.is_file()


async def test_close_twice_is_safe_and_closed_store_refuses_use(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    await store.open()
    await store.close()
    await store.close()

    with pytest.raises(StoreError):
        await store.get_poll(poll_id=1)


async def test_naive_datetimes_are_rejected(db_path: Path) -> None:
    async with opened(db_path) as store:
        with pytest.raises(ValueError, match="naive"):
            await store.create_poll(poll=new_poll(), now=NAIVE)
        poll = await store.create_poll(poll=new_poll(), now=T0)
        with pytest.raises(ValueError, match="naive"):
            await store.cast_vote(poll_id=poll.id, user_id="u1", option_key="a", now=NAIVE)
        # the failed calls rolled back and released the store
        assert await store.cast_vote(poll_id=poll.id, user_id="u1", option_key="a", now=T0) == VoteOutcome.RECORDED
        assert len(await store.list_polls()) == 1


async def test_another_connection_reads_while_the_store_is_open(db_path: Path) -> None:
    async with opened(db_path) as store:
        poll = await store.create_poll(poll=new_poll(), now=T0)
        await store.cast_vote(poll_id=poll.id, user_id="u1", option_key="b", now=T0)

        def read() -> tuple[str, int]:
            with plain(db_path) as connection:
                question = connection.execute("SELECT question FROM polls WHERE id = ?", (poll.id,)).fetchone()[0]
                votes = connection.execute("SELECT count(*) FROM votes WHERE poll_id = ?", (poll.id,)).fetchone()[0]
                return question, votes

        assert await asyncio.to_thread(read) == (poll.question, 1)

        async with opened(db_path) as second:
            assert await second.get_poll(poll_id=poll.id) == await store.get_poll(poll_id=poll.id)


async def test_open_reader_does_not_block_writes(db_path: Path) -> None:
    """WAL: a reader holding a snapshot neither blocks the writer nor sees its commit."""
    async with opened(db_path) as store:
        poll = await store.create_poll(poll=new_poll(), now=T0)
        with plain(db_path) as reader:
            reader.execute("BEGIN")
            assert reader.execute("SELECT count(*) FROM votes").fetchone()[0] == 0  # snapshot taken

            outcome = await asyncio.wait_for(
                store.cast_vote(poll_id=poll.id, user_id="u1", option_key="a", now=T0), timeout=BUSY_TIMEOUT_MS / 2000
            )

            assert outcome == VoteOutcome.RECORDED
            assert reader.execute("SELECT count(*) FROM votes").fetchone()[0] == 0  # still its snapshot
            reader.execute("COMMIT")
            assert reader.execute("SELECT count(*) FROM votes").fetchone()[0] == 1


async def test_a_writer_in_another_process_is_waited_for(db_path: Path) -> None:
    """busy_timeout + BEGIN IMMEDIATE: a vote waits for another writer instead of failing."""
    async with opened(db_path) as store:
        poll = await store.create_poll(poll=new_poll(), now=T0)
        with plain(db_path) as other:
            other.execute("BEGIN IMMEDIATE")
            vote = asyncio.create_task(store.cast_vote(poll_id=poll.id, user_id="u1", option_key="a", now=T0))
            await asyncio.sleep(0.2)
            assert not vote.done()
            other.execute("COMMIT")
            assert await asyncio.wait_for(vote, timeout=5) == VoteOutcome.RECORDED


class _OtherProcessMigratesFirst:
    """A connection stand-in: just before ``migrate`` starts its first transaction, another process (a plain
    sqlite3 connection) applies the same migrations and commits."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path
        self._done = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith("BEGIN") and not self._done:
            self._done = True
            with plain(self._path) as connection:
                for migration in load_migrations():
                    connection.executescript(
                        f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
                    )
        return self._db.execute(sql, *args)


def test_migrate_rechecks_the_version_inside_its_transaction(db_path: Path) -> None:
    with plain(db_path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = migrate(_OtherProcessMigratesFirst(db, db_path))  # type: ignore[arg-type]
    finally:
        db.close()

    assert version == len(MIGRATION_FILES)
    assert pragma(db_path, "user_version") == len(MIGRATION_FILES)
