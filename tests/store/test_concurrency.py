"""Races: many coroutines on one store, and two SQLite connections on one file."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from bot.core.models import PollSnapshot, Tally, VoteOutcome
from bot.core.ports import Store
from bot.store.sqlite import SQLiteStore
from tests.store.factories import MINUTE, T0, new_poll


async def test_one_user_voting_50_times_at_once_leaves_one_vote(store: Store) -> None:
    poll = await store.create_poll(poll=new_poll(), now=T0)

    outcomes = await asyncio.gather(
        *(store.cast_vote(poll_id=poll.id, user_id="u1", option_key="a", now=T0) for _ in range(50))
    )

    assert Counter(outcomes) == {VoteOutcome.RECORDED: 1, VoteOutcome.UNCHANGED: 49}
    tally = await store.tally(poll_id=poll.id)
    assert tally.total_votes == 1
    assert tally.voters == 1
    assert len(await store.voters(poll_id=poll.id)) == 1


async def test_one_user_switching_options_at_once_leaves_one_vote(store: Store) -> None:
    poll = await store.create_poll(poll=new_poll(), now=T0)

    outcomes = await asyncio.gather(
        *(store.cast_vote(poll_id=poll.id, user_id="u1", option_key="abc"[i % 3], now=T0) for i in range(50))
    )

    assert outcomes.count(VoteOutcome.RECORDED) == 1
    tally = await store.tally(poll_id=poll.id)
    assert (tally.total_votes, tally.voters) == (1, 1)
    [voter] = await store.voters(poll_id=poll.id)
    assert await store.user_choices(poll_id=poll.id, user_id="u1") == [voter.option_key]


async def test_one_user_toggling_multi_choice_at_once_respects_the_limit(store: Store) -> None:
    poll = await store.create_poll(poll=new_poll(keys=("a", "b", "c", "d"), max_choices=2), now=T0)

    await asyncio.gather(
        *(store.cast_vote(poll_id=poll.id, user_id="u1", option_key="abcd"[i % 4], now=T0) for i in range(50))
    )

    choices = await store.user_choices(poll_id=poll.id, user_id="u1")
    assert len(choices) <= 2
    assert len(set(choices)) == len(choices)
    assert (await store.tally(poll_id=poll.id)).total_votes == len(choices)


async def test_50_users_voting_at_once_are_all_counted(store: Store) -> None:
    poll = await store.create_poll(poll=new_poll(), now=T0)

    outcomes = await asyncio.gather(
        *(store.cast_vote(poll_id=poll.id, user_id=f"u{i}", option_key="abc"[i % 3], now=T0) for i in range(50))
    )

    assert set(outcomes) == {VoteOutcome.RECORDED}
    assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 17, "b": 17, "c": 16}, voters=50)
    assert len(await store.voters(poll_id=poll.id)) == 50


@pytest.mark.parametrize("max_choices", [1, 2])
async def test_votes_racing_a_close(store: Store, max_choices: int) -> None:
    poll = await store.create_poll(poll=new_poll(max_choices=max_choices), now=T0)

    def vote(i: int) -> asyncio.Future[VoteOutcome]:
        return asyncio.ensure_future(
            store.cast_vote(poll_id=poll.id, user_id=f"u{i}", option_key="abc"[i % 3], now=T0 + MINUTE)
        )

    before = [vote(i) for i in range(50)]
    close = asyncio.ensure_future(store.close_poll(poll_id=poll.id, now=T0 + MINUTE))
    after = [vote(i) for i in range(50, 100)]
    outcomes = await asyncio.gather(*before, *after)

    assert await close is True
    assert set(outcomes) <= {VoteOutcome.RECORDED, VoteOutcome.CLOSED}
    recorded = {f"u{i}" for i, outcome in enumerate(outcomes) if outcome == VoteOutcome.RECORDED}
    tally = await store.tally(poll_id=poll.id)
    assert tally.total_votes == len(recorded)  # every RECORDED counted, nothing else
    assert tally.voters == len(recorded)
    assert {voter.user_id for voter in await store.voters(poll_id=poll.id)} == recorded

    late = await store.cast_vote(poll_id=poll.id, user_id="late", option_key="a", now=T0 + 2 * MINUTE)
    assert late == VoteOutcome.CLOSED
    again = await store.cast_vote(poll_id=poll.id, user_id="u0", option_key="b", now=T0 + 2 * MINUTE)
    assert again == VoteOutcome.CLOSED
    assert (await store.tally(poll_id=poll.id)).total_votes == len(recorded)


async def test_cancelled_vote_leaves_the_store_usable(store: Store) -> None:
    """A caller that gives up (``asyncio.wait_for``, a shutdown) must not wedge the store."""
    poll = await store.create_poll(poll=new_poll(), now=T0)

    task = asyncio.ensure_future(store.cast_vote(poll_id=poll.id, user_id="gave-up", option_key="a", now=T0))
    await asyncio.sleep(0)  # let it start: it may be waiting on the database, or done already
    task.cancel()
    await asyncio.wait({task})
    assert task.cancelled() or task.result() == VoteOutcome.RECORDED

    assert await store.cast_vote(poll_id=poll.id, user_id="u1", option_key="b", now=T0) == VoteOutcome.RECORDED
    assert await store.close_poll(poll_id=poll.id, now=T0 + MINUTE) is True
    tally = await store.tally(poll_id=poll.id)
    assert tally.counts["b"] == 1
    assert tally.total_votes in (1, 2)  # the cancelled vote may or may not have landed, but nothing else


async def test_two_connections_voting_for_the_same_user_leave_one_vote(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = SQLiteStore(path), SQLiteStore(path)
    await first.open()
    try:
        await second.open()
        try:
            poll = await first.create_poll(poll=new_poll(), now=T0)
            stores = (first, second)

            outcomes = await asyncio.gather(
                *(
                    stores[i % 2].cast_vote(poll_id=poll.id, user_id="u1", option_key="ab"[i // 2 % 2], now=T0)
                    for i in range(40)
                )
            )

            assert outcomes.count(VoteOutcome.RECORDED) == 1
            for store in stores:
                tally = await store.tally(poll_id=poll.id)
                assert (tally.total_votes, tally.voters) == (1, 1)
        finally:
            await second.close()
    finally:
        await first.close()


async def test_two_connections_voting_for_many_users_count_each_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = SQLiteStore(path), SQLiteStore(path)
    await first.open()
    try:
        await second.open()
        try:
            poll = await first.create_poll(poll=new_poll(), now=T0)

            await asyncio.gather(
                *(
                    store.cast_vote(poll_id=poll.id, user_id=f"u{i}", option_key="a", now=T0)
                    for i in range(20)
                    for store in (first, second)
                )
            )

            assert await second.tally(poll_id=poll.id) == Tally(counts={"a": 20, "b": 0, "c": 0}, voters=20)
        finally:
            await second.close()
    finally:
        await first.close()


async def test_two_stores_opening_a_new_database_at_once(tmp_path: Path) -> None:
    for attempt in range(10):  # the race is lost about two times in three; ten tries make it certain
        path = tmp_path / f"fresh-{attempt}.sqlite3"
        first, second = SQLiteStore(path), SQLiteStore(path)
        results = await asyncio.gather(first.open(), second.open(), return_exceptions=True)
        await first.close()
        await second.close()
        for result in results:
            if isinstance(result, BaseException):
                raise result


async def test_exports_and_tallies_taken_during_a_burst_of_votes_each_show_one_moment(tmp_path: Path) -> None:
    """Another process (the CLI) reads while the bot writes: a total and a voter list must come from one moment."""
    path = tmp_path / "burst.sqlite3"
    writers = [SQLiteStore(path) for _ in range(3)]
    reader = SQLiteStore(path)
    for store in (*writers, reader):
        await store.open()
    try:
        poll = await writers[0].create_poll(poll=new_poll(keys=("a", "b", "c", "d")), now=T0)
        burst_over = asyncio.Event()

        async def vote(store: SQLiteStore, prefix: str) -> None:
            for i in range(100):  # every voter votes, and every other one then changes their mind
                await store.cast_vote(poll_id=poll.id, user_id=f"{prefix}{i}", option_key="abcd"[i % 4], now=T0)
                if i % 2:
                    await store.cast_vote(poll_id=poll.id, user_id=f"{prefix}{i}", option_key="d", now=T0)
                await asyncio.sleep(0)  # the next click is another request: the reader gets its turns

        async def read_until_the_burst_is_over() -> list[tuple[PollSnapshot, Tally]]:
            seen = []
            while not burst_over.is_set():
                snapshot = await reader.poll_snapshot(poll_id=poll.id, with_voters=True)
                assert snapshot is not None
                seen.append((snapshot, await reader.tally(poll_id=poll.id)))
                await asyncio.sleep(0)
            return seen

        readings = asyncio.create_task(read_until_the_burst_is_over())
        await asyncio.gather(*(vote(store, f"w{n}-") for n, store in enumerate(writers)))
        burst_over.set()
        seen = await readings

        final = await reader.poll_snapshot(poll_id=poll.id, with_voters=True)
        assert final is not None
        assert final.tally.total_votes == len(final.voters) == 300
        assert sum(0 < snapshot.tally.total_votes < 300 for snapshot, _ in seen) >= 3, "readings mid-burst"
        for snapshot, tally in seen:
            voters = snapshot.voters
            assert snapshot.tally.total_votes == len(voters)
            assert snapshot.tally.counts == {key: sum(v.option_key == key for v in voters) for key in "abcd"}
            assert snapshot.tally.voters == len({v.user_id for v in voters})
            assert tally.total_votes == tally.voters  # one vote per voter in a single-choice poll
    finally:
        for store in (*writers, reader):
            await store.close()
