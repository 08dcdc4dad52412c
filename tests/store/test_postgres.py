"""PostgreSQL specifics: races between connections and between processes (two pools), the schema policy, errors.

Two stores on one schema stand for two bot processes: each has its own pool, so nothing in Python
orders their calls; only the database does.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta

import asyncpg
import pytest

from bot.core.models import VoteOutcome
from bot.core.ports import StoreError
from bot.core.telemetry import StoreUsage
from bot.store.migrations import Migration
from bot.store.postgres import PostgresStore
from bot.store.postgres_schema import postgres_migrations, upgrade
from bot.store.schema import SchemaError
from tests.postgres import fresh_schema
from tests.services import postgres_url
from tests.store.factories import GENERAL, MINUTE, T0, new_poll

LATEST = len(postgres_migrations())


@pytest.fixture
async def url() -> AsyncIterator[str]:
    """A fresh, empty schema (no tables yet)."""
    async with fresh_schema(postgres_url()) as schema_url:
        yield schema_url


@pytest.fixture
async def stores(url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two "processes" on one migrated schema, each with a pool of up to 8 connections."""
    first = PostgresStore(url, min_size=2, max_size=8, upgrade=True)
    second = PostgresStore(url, min_size=2, max_size=8)
    await first.open()
    try:
        await second.open()
        try:
            yield first, second
        finally:
            await second.close()
    finally:
        await first.close()


async def fetchval(url: str, sql: str, *args: object) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


# --- votes from many connections ------------------------------------------------------------------------


async def test_200_users_voting_at_once_through_two_pools_are_all_counted(
    stores: tuple[PostgresStore, PostgresStore], url: str
) -> None:
    poll = await stores[0].create_poll(poll=new_poll(), now=T0)

    outcomes = await asyncio.gather(
        *(
            stores[i % 2].cast_vote(poll_id=poll.id, user_id=f"u{i}", option_key="abc"[i % 3], now=T0)
            for i in range(200)
        )
    )

    assert Counter(outcomes) == {VoteOutcome.RECORDED: 200}
    tally = await stores[1].tally(poll_id=poll.id)
    assert (tally.counts, tally.voters) == ({"a": 67, "b": 67, "c": 66}, 200)
    assert await fetchval(url, "SELECT count(*) FROM votes") == 200


async def test_one_user_voting_at_once_through_two_pools_leaves_one_row(
    stores: tuple[PostgresStore, PostgresStore], url: str
) -> None:
    poll = await stores[0].create_poll(poll=new_poll(), now=T0)

    outcomes = await asyncio.gather(
        *(
            stores[i % 2].cast_vote(poll_id=poll.id, user_id="u1", option_key="ab"[i // 2 % 2], now=T0)
            for i in range(60)
        )
    )

    assert outcomes.count(VoteOutcome.RECORDED) == 1
    assert set(outcomes) <= {VoteOutcome.RECORDED, VoteOutcome.CHANGED, VoteOutcome.UNCHANGED}
    assert await fetchval(url, "SELECT count(*) FROM votes WHERE user_id = 'u1'") == 1
    [voter] = await stores[1].voters(poll_id=poll.id)
    assert await stores[0].user_choices(poll_id=poll.id, user_id="u1") == [voter.option_key]


async def test_max_choices_holds_when_each_user_adds_options_at_once_through_two_pools(
    stores: tuple[PostgresStore, PostgresStore], url: str
) -> None:
    """Each user has one choice of two; three more arrive at once: exactly one of them may be added."""
    poll = await stores[0].create_poll(poll=new_poll(keys=("a", "b", "c", "d"), max_choices=2), now=T0)
    users = [f"u{i}" for i in range(80)]
    for user in users:
        assert await stores[0].cast_vote(poll_id=poll.id, user_id=user, option_key="a", now=T0) == VoteOutcome.RECORDED

    calls = [(user, key) for user in users for key in "bcd"]
    outcomes = await asyncio.gather(
        *(
            stores[i % 2].cast_vote(poll_id=poll.id, user_id=user, option_key=key, now=T0)
            for i, (user, key) in enumerate(calls)
        )
    )

    by_user: dict[str, Counter[VoteOutcome]] = {user: Counter() for user in users}
    for (user, _), outcome in zip(calls, outcomes, strict=True):
        by_user[user][outcome] += 1
    assert all(counts == {VoteOutcome.RECORDED: 1, VoteOutcome.LIMIT_REACHED: 2} for counts in by_user.values())
    assert await fetchval(url, "SELECT max(n) FROM (SELECT count(*) AS n FROM votes GROUP BY user_id) AS per_user") == 2
    tally = await stores[1].tally(poll_id=poll.id)
    assert (tally.counts["a"], tally.total_votes, tally.voters) == (80, 160, 80)


async def test_a_vote_waiting_for_a_close_in_progress_is_refused_once_it_commits(
    stores: tuple[PostgresStore, PostgresStore], url: str
) -> None:
    poll = await stores[0].create_poll(poll=new_poll(), now=T0)
    closer = await asyncpg.connect(url)
    try:
        transaction = closer.transaction()
        await transaction.start()
        await closer.execute("UPDATE polls SET closed_at = $1 WHERE id = $2", T0, poll.id)
        vote = asyncio.ensure_future(stores[1].cast_vote(poll_id=poll.id, user_id="u1", option_key="a", now=T0))
        await asyncio.sleep(0.3)
        assert not vote.done(), "the vote should wait for the close in progress"
        await transaction.commit()
        assert await vote == VoteOutcome.CLOSED
    finally:
        await closer.close()
    assert (await stores[0].tally(poll_id=poll.id)).total_votes == 0


# --- one winner among processes ---------------------------------------------------------------------------


async def test_close_poll_from_two_processes_is_true_exactly_once(stores: tuple[PostgresStore, PostgresStore]) -> None:
    polls = [await stores[0].create_poll(poll=new_poll(closes_at=T0 + MINUTE), now=T0) for _ in range(20)]
    due = await stores[1].due_polls(now=T0 + MINUTE)
    assert [p.id for p in due] == [p.id for p in polls]

    for poll in polls:
        results = await asyncio.gather(*(stores[i % 2].close_poll(poll_id=poll.id, now=T0 + MINUTE) for i in range(6)))
        assert results.count(True) == 1, poll.id
    assert await stores[0].due_polls(now=T0 + MINUTE) == []


async def test_a_digest_run_claimed_by_two_processes_has_one_winner(
    stores: tuple[PostgresStore, PostgresStore],
) -> None:
    lease = 10 * MINUTE
    for offset in range(20):
        day = date(2026, 1, 1) + timedelta(days=offset)
        claims = await asyncio.gather(
            *(stores[i % 2].claim_digest_run(channel=GENERAL, local_date=day, now=T0, lease=lease) for i in range(6))
        )
        assert [c.attempts for c in claims if c is not None] == [1], day

        # the claimant went silent: after the lease, exactly one process takes the run over
        takeovers = await asyncio.gather(
            *(
                stores[i % 2].claim_digest_run(channel=GENERAL, local_date=day, now=T0 + lease, lease=lease)
                for i in range(6)
            )
        )
        assert [c.attempts for c in takeovers if c is not None] == [2], day


async def test_an_event_claimed_by_two_processes_is_claimed_once(stores: tuple[PostgresStore, PostgresStore]) -> None:
    results = await asyncio.gather(
        *(stores[i % 2].claim_event(platform="slack", event_id=f"Ev{i // 10}", now=T0) for i in range(100))
    )
    assert results.count(True) == 10


async def test_two_processes_asking_for_the_quote_of_the_day_at_once_agree(
    stores: tuple[PostgresStore, PostgresStore],
) -> None:
    claims = [f"claim-{i}" for i in range(8)]
    for offset in range(5):
        day = date(2026, 3, 1) + timedelta(days=offset)
        picks = await asyncio.gather(
            *(stores[i % 2].quote_of_the_day(channel=GENERAL, local_date=day, claim_ids=claims) for i in range(6))
        )
        assert len(set(picks)) == 1, picks


# --- the schema -----------------------------------------------------------------------------------------------


async def test_open_refuses_a_schema_behind_and_creates_nothing(url: str) -> None:
    store = PostgresStore(url)

    with pytest.raises(SchemaError, match=r"version 0, this debatebot expects \d+: run `debatebot db upgrade`"):
        await store.open()

    assert await fetchval(url, "SELECT to_regclass('polls') IS NULL AND to_regclass('schema_version') IS NULL")
    with pytest.raises(StoreError, match="not open"):
        await store.get_poll(poll_id=1)
    await store.close()


async def test_open_refuses_a_newer_schema_even_when_asked_to_upgrade(url: str) -> None:
    store = PostgresStore(url, upgrade=True)
    await store.open()
    await store.close()
    newer = LATEST + 5
    await fetchval(url, "INSERT INTO schema_version (version, name) VALUES ($1, 'from the future')", newer)

    for upgrading in (False, True):
        with pytest.raises(SchemaError, match=f"newer than this debatebot: version {newer}"):
            await PostgresStore(url, upgrade=upgrading).open()

    assert await fetchval(url, "SELECT max(version) FROM schema_version") == newer


async def test_two_processes_upgrading_at_once_apply_each_migration_once(url: str) -> None:
    first, second = PostgresStore(url, upgrade=True), PostgresStore(url, upgrade=True)

    await asyncio.gather(first.open(), second.open())
    try:
        assert await fetchval(url, "SELECT array_agg(version ORDER BY version) FROM schema_version") == list(
            range(1, LATEST + 1)
        )
        assert {first.schema.current, second.schema.current} == {0, LATEST}  # type: ignore[union-attr]
        poll = await first.create_poll(poll=new_poll(), now=T0)
        assert await second.get_poll(poll_id=poll.id) == poll
    finally:
        await first.close()
        await second.close()


async def test_a_failing_migration_leaves_the_schema_as_it_was(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await upgrade(conn)
        broken = Migration(LATEST + 1, "9999_broken.sql", "CREATE TABLE half_done (x int); SELECT * FROM nowhere;")
        later = Migration(LATEST + 1, "9999_later.sql", "CREATE TABLE later (x int);")

        with pytest.raises(asyncpg.UndefinedTableError):
            await upgrade(conn, [*postgres_migrations(), broken])
        assert await conn.fetchval("SELECT to_regclass('half_done')") is None
        assert await conn.fetchval("SELECT max(version) FROM schema_version") == LATEST

        state = await upgrade(conn, [*postgres_migrations(), later])
        assert (state.current, state.latest) == (LATEST, LATEST + 1)
        assert await conn.fetchval("SELECT max(version) FROM schema_version") == LATEST + 1
    finally:
        await conn.close()


# --- errors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("min_size", [0, 1])  # 0: the pool connects only when the schema is checked
async def test_an_unreachable_server_is_named_without_the_password(min_size: int) -> None:
    store = PostgresStore("postgresql://bot:hunter2-very-secret@127.0.0.1:1/test", min_size=min_size)

    with pytest.raises(StoreError) as info:
        await store.open()

    message = str(info.value)
    assert "cannot connect to PostgreSQL at 127.0.0.1:1 (Connection refused)" in message
    assert "hunter2" not in message


async def test_the_pool_reports_its_connections_those_in_use_and_the_operations_waiting(url: str) -> None:
    store = PostgresStore(url, min_size=1, max_size=1, upgrade=True)
    await store.open()
    try:
        assert store.usage() == StoreUsage(size=1, in_use=0, waiting=0)
        holding, release = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with store._connection():
                holding.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await holding.wait()
        waiter = asyncio.create_task(store.get_meta(key="k"))
        await asyncio.sleep(0.05)
        assert store.usage() == StoreUsage(size=1, in_use=1, waiting=1)
        release.set()
        await holder
        assert await waiter is None
        assert store.usage() == StoreUsage(size=1, in_use=0, waiting=0)
    finally:
        await store.close()
