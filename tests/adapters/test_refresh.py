"""Poll-message updates are coalesced per poll, and the final state always lands."""

from __future__ import annotations

import asyncio
import itertools

from bot.adapters.refresh import PollRefresher
from bot.core.reply import PollOptionView, PollView


def view(poll_id: int, votes: int) -> PollView:
    return PollView(
        poll_id=poll_id,
        question="Q?",
        options=(PollOptionView(key="1", label="A", votes=votes, share=1.0 if votes else 0.0),),
        total_votes=votes,
        voters=votes,
        closed=False,
        anonymous=False,
        max_choices=1,
    )


async def test_a_burst_becomes_few_updates_ending_with_the_last_state() -> None:
    sent: list[tuple[int, int]] = []

    async def update(v: PollView) -> None:
        sent.append((v.poll_id, v.total_votes))

    refresher = PollRefresher(update, interval=0.2)
    for votes in range(1, 101):
        refresher.request(view(1, votes))
        refresher.request(view(2, votes * 2))
        if votes % 25 == 0:
            await asyncio.sleep(0.1)
    await refresher.flush()
    for poll_id, last in ((1, 100), (2, 200)):
        counts = [n for p, n in sent if p == poll_id]
        assert counts[-1] == last
        assert len(counts) <= 4, counts


async def test_updates_for_one_poll_are_spaced_by_the_interval() -> None:
    times: list[float] = []
    loop = asyncio.get_running_loop()

    async def update(v: PollView) -> None:
        times.append(loop.time())

    refresher = PollRefresher(update, interval=0.15)
    for votes in range(3):
        refresher.request(view(1, votes))
        await asyncio.sleep(0.05)
        refresher.request(view(1, votes + 10))
        await refresher.flush()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= 0.14 for gap in gaps), gaps


async def test_a_failing_update_does_not_stop_later_ones() -> None:
    calls: list[int] = []

    async def update(v: PollView) -> None:
        calls.append(v.total_votes)
        if len(calls) == 1:
            raise RuntimeError("platform said 500")

    refresher = PollRefresher(update, interval=0.05)
    refresher.request(view(1, 1))
    await refresher.flush()
    refresher.request(view(1, 2))
    await refresher.flush()
    assert calls == [1, 2]
