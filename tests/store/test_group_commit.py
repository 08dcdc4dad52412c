"""Group commit: votes that arrive together share a transaction, and each is answered only once committed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.core.models import VoteOutcome
from bot.store.group_commit import GroupCommit
from bot.store.sqlite import SQLiteStore
from tests.store.factories import T0, new_poll


@pytest.fixture
async def sqlite(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "votes.db")
    await store.open()
    yield store  # type: ignore[misc]
    await store.close()


async def test_a_burst_shares_few_transactions_and_every_answered_vote_is_already_committed(
    sqlite: SQLiteStore,
) -> None:
    poll = await sqlite.create_poll(poll=new_poll(), now=T0)
    other = sqlite3.connect(sqlite.path)  # another process's view of the file
    seen_at_answer: list[bool] = []

    async def vote(n: int) -> VoteOutcome:
        outcome = await sqlite.cast_vote(poll_id=poll.id, user_id=f"u{n}", option_key="a", now=T0)
        row = other.execute("SELECT 1 FROM votes WHERE poll_id = ? AND user_id = ?", (poll.id, f"u{n}")).fetchone()
        seen_at_answer.append(row is not None)
        return outcome

    before = sqlite.votes.batches
    outcomes = await asyncio.gather(*(vote(n) for n in range(300)))
    other.close()
    assert outcomes == [VoteOutcome.RECORDED] * 300
    assert all(seen_at_answer), "no vote is answered before the transaction holding it has committed"
    assert sqlite.votes.batches - before <= 3, "300 votes in one turn of the loop: a handful of transactions"


async def test_a_vote_alone_is_written_at_once_without_the_thread(sqlite: SQLiteStore) -> None:
    poll = await sqlite.create_poll(poll=new_poll(), now=T0)
    before = (sqlite.votes.batches, sqlite._submitted)
    for user in ("u1", "u2", "u3"):  # one after another from one caller: each alone, none waits for a turn
        vote = asyncio.ensure_future(sqlite.cast_vote(poll_id=poll.id, user_id=user, option_key="a", now=T0))
        await asyncio.sleep(0)
        assert vote.done()
        assert vote.result() == VoteOutcome.RECORDED
    assert (sqlite.votes.batches, sqlite._submitted) == (before[0] + 3, before[1]), "a batch each, on the loop"


async def test_votes_wait_on_the_thread_while_another_process_writes_then_all_land(sqlite: SQLiteStore) -> None:
    poll = await sqlite.create_poll(poll=new_poll(), now=T0)
    holder = sqlite3.connect(sqlite.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    votes = [
        asyncio.ensure_future(sqlite.cast_vote(poll_id=poll.id, user_id=f"u{n}", option_key="b", now=T0))
        for n in range(20)
    ]
    await asyncio.sleep(0.3)
    assert not any(v.done() for v in votes), "nothing is answered while the lock is held"
    holder.execute("COMMIT")
    holder.close()
    assert await asyncio.wait_for(asyncio.gather(*votes), 5) == [VoteOutcome.RECORDED] * 20
    assert (await sqlite.tally(poll_id=poll.id)).counts["b"] == 20


async def test_a_writer_cancelled_mid_batch_still_delivers_and_hands_the_queue_on() -> None:
    written: list[list[int]] = []
    release = asyncio.Event()

    async def write(items: Sequence[int]) -> list[int | Exception]:
        written.append(list(items))
        await release.wait()
        return [item * 10 for item in items]

    group: GroupCommit[int, int] = GroupCommit(write)
    leader = asyncio.ensure_future(group.submit(1))
    await asyncio.sleep(0)  # the leader is writing [1]
    followers = [asyncio.ensure_future(group.submit(n)) for n in (2, 3)]
    await asyncio.sleep(0)
    leader.cancel()
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.wait_for(asyncio.gather(*followers), 1) == [20, 30]
    assert written == [[1], [2, 3]], "the cancelled writer's batch completed; the next writer took the queue"


async def test_a_failed_batch_fails_every_caller_in_it_and_the_next_batch_goes_on() -> None:
    calls = 0

    async def write(items: Sequence[int]) -> list[int | Exception]:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(0.01)
            raise OSError("disk full")
        return [item for item in items]

    group: GroupCommit[int, int] = GroupCommit(write)
    first = asyncio.ensure_future(group.submit(1))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(group.submit(2))
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[0], OSError)
    assert results[1] == 2
