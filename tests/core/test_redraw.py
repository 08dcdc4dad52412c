"""The shared redrawer: a burst of changes becomes few redraws per poll, read fresh, and the last state lands."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from bot.app import App
from bot.core.models import ChannelRef, NewPoll, OptionRecord, Poll
from bot.core.ports import StoreError
from bot.core.redraw import Redrawer
from bot.core.reply import PollView
from tests.conftest import FakeClock

T = ChannelRef(platform="test", workspace="ws", channel="general")


class Drawn:
    """A publisher that records what it was asked to draw (and can fail on request)."""

    platform = "test"

    def __init__(self) -> None:
        self.views: list[PollView] = []
        self.times: list[float] = []
        self.fail_next = False

    async def post(self, **_: object) -> str:
        raise AssertionError("the redrawer never posts")

    async def find_posted(self, **_: object) -> str | None:
        return None

    async def update_poll(self, *, poll: Poll, view: PollView) -> None:
        self.times.append(asyncio.get_running_loop().time())
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("platform said 500")
        self.views.append(view)


async def new_poll(app: App, clock: FakeClock) -> Poll:
    options = (OptionRecord(key="a", label="A"), OptionRecord(key="b", label="B"))
    return await app.store.create_poll(
        poll=NewPoll(channel=T, creator_id="alice", question="Q?", options=options), now=clock.now()
    )


@pytest.fixture
def drawn(app: App) -> Drawn:
    publisher = Drawn()
    app.attach(publisher, redraw_interval=0.15)  # type: ignore[arg-type]
    return publisher


async def test_a_burst_becomes_few_redraws_each_read_fresh_and_ending_with_the_last_state(
    app: App, clock: FakeClock, drawn: Drawn
) -> None:
    first, second = await new_poll(app, clock), await new_poll(app, clock)
    for n in range(60):
        for poll in (first, second):
            await app.store.cast_vote(poll_id=poll.id, user_id=f"u{n}", option_key="a", now=clock.now())
            app.redrawer.request(poll.id)
        if n % 20 == 19:
            await asyncio.sleep(0.1)
    await app.redrawer.flush()
    for poll in (first, second):
        counts = [v.total_votes for v in drawn.views if v.poll_id == poll.id]
        assert counts[-1] == 60
        assert len(counts) <= 5, counts


async def test_redraws_of_one_poll_are_spaced_by_the_platforms_interval(
    app: App, clock: FakeClock, drawn: Drawn
) -> None:
    poll = await new_poll(app, clock)
    for n in range(3):
        await app.store.cast_vote(poll_id=poll.id, user_id=f"u{n}", option_key="a", now=clock.now())
        app.redrawer.request(poll.id)
        await asyncio.sleep(0.05)
        app.redrawer.request(poll.id)
        await app.redrawer.flush()
    gaps = [b - a for a, b in itertools.pairwise(drawn.times)]
    assert len(drawn.times) == 3
    assert all(gap >= 0.14 for gap in gaps), gaps


async def test_a_view_already_shown_is_not_drawn_again(app: App, clock: FakeClock, drawn: Drawn) -> None:
    poll = await new_poll(app, clock)
    snapshot = await app.store.poll_snapshot(poll_id=poll.id)
    assert snapshot is not None
    from bot.core.polls import poll_view

    app.redrawer.shown(poll_view(snapshot.poll, snapshot.tally, clock.now()))  # as posted
    app.redrawer.request(poll.id)
    await app.redrawer.flush()
    assert drawn.views == []
    await app.store.cast_vote(poll_id=poll.id, user_id="u", option_key="b", now=clock.now())
    app.redrawer.request(poll.id)
    app.redrawer.request(poll.id)
    await app.redrawer.flush()
    assert [v.total_votes for v in drawn.views] == [1]


async def test_a_closed_poll_is_drawn_closed_once_however_often_it_is_asked(
    app: App, clock: FakeClock, drawn: Drawn
) -> None:
    poll = await new_poll(app, clock)
    await app.store.close_poll(poll_id=poll.id, now=clock.now())
    for _ in range(3):
        app.redrawer.request(poll.id)
        await app.redrawer.flush()
    assert [(v.closed, v.buttons) for v in drawn.views] == [(True, ())]


async def test_a_failing_redraw_does_not_stop_later_ones(app: App, clock: FakeClock, drawn: Drawn) -> None:
    poll = await new_poll(app, clock)
    drawn.fail_next = True
    app.redrawer.request(poll.id)
    await app.redrawer.flush()
    await app.store.cast_vote(poll_id=poll.id, user_id="u", option_key="a", now=clock.now())
    app.redrawer.request(poll.id)
    await app.redrawer.flush()
    assert len(drawn.times) == 2
    assert [v.total_votes for v in drawn.views] == [1]


async def test_polls_of_a_platform_not_running_here_are_left_alone(app: App, clock: FakeClock) -> None:
    redrawer = Redrawer(app.store, clock, {})
    poll = await new_poll(app, clock)
    redrawer.request(poll.id, 999)  # no publisher for "test"; no such poll
    await redrawer.flush()
    assert redrawer.redraws == 0


async def test_a_redraw_the_database_could_not_serve_is_tried_again_until_it_is_back(
    app: App, clock: FakeClock, drawn: Drawn, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    poll = await new_poll(app, clock)
    await app.store.cast_vote(poll_id=poll.id, user_id="u1", option_key="a", now=clock.now())
    real = app.store.poll_snapshot
    outage = 3

    async def away_for_a_while(**kwargs: Any) -> Any:
        nonlocal outage
        if outage:
            outage -= 1
            raise StoreError("lost the connection to PostgreSQL at db:5432 (Connection refused)")
        return await real(**kwargs)

    monkeypatch.setattr(app.store, "poll_snapshot", away_for_a_while)
    app.redrawer.interval = 0.15  # the poll's platform (and so its interval) is known only once it is read
    app.redrawer.request(poll.id)  # no vote comes after this one: the retries alone must draw it
    for _ in range(100):
        if drawn.views:
            break
        await asyncio.sleep(0.05)
    assert [v.total_votes for v in drawn.views] == [1]
    assert outage == 0
    warnings = [r for r in caplog.records if "could not redraw poll" in r.getMessage()]
    assert len(warnings) == 1, "warned once for the outage, not at every retry"
    assert not any(r.exc_info for r in caplog.records), "no traceback for a database that is away"
