"""The contract every backend's :class:`~bot.core.ports.PollStore` must pass: polls, votes, refused votes, results.

Only observable results are asserted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.models import (
    ChannelRef,
    OptionRecord,
    Poll,
    PollSnapshot,
    PollSummary,
    Tally,
    VoteOutcome,
    Voter,
)
from bot.core.ports import Store, StoreError
from tests.store.factories import DAY, GENERAL, HOUR, MINUTE, OTHER, T0, UNKNOWN_POLL_ID, new_poll

PLUS_TWO = timezone(timedelta(hours=2))
NAIVE = datetime(2026, 1, 1)  # no tzinfo


async def make_poll(store: Store, *, now: datetime = T0, **fields: object) -> Poll:
    return await store.create_poll(poll=new_poll(**fields), now=now)  # type: ignore[arg-type]


async def vote(store: Store, poll: Poll, user: str, key: str, *, now: datetime = T0) -> VoteOutcome:
    return await store.cast_vote(poll_id=poll.id, user_id=user, option_key=key, now=now)


def _voter_key(voter: Voter) -> tuple[str, str]:
    return voter.user_id, voter.option_key


class TestPollStoreContract:
    # Polls -------------------------------------------------------------------

    async def test_create_then_get_round_trips_every_field(self, store: Store) -> None:
        closes_at = datetime(2026, 1, 2, 18, 30, tzinfo=PLUS_TWO)  # not UTC on purpose
        created = await make_poll(
            store,
            keys=("zeta", "alpha", "mid"),  # order must survive, not be sorted
            preset_id="housing-2026",
            anonymous=True,
            max_choices=2,
            closes_at=closes_at,
            question="Which policies?",
            creator_id="u-creator",
            channel=OTHER,
        )

        fetched = await store.get_poll(poll_id=created.id)

        assert fetched is not None
        assert fetched == created
        assert fetched.id == created.id
        assert fetched.channel == OTHER
        assert fetched.question == "Which policies?"
        assert fetched.creator_id == "u-creator"
        assert fetched.options == (
            OptionRecord(key="zeta", label="Option zeta"),
            OptionRecord(key="alpha", label="Option alpha"),
            OptionRecord(key="mid", label="Option mid"),
        )
        assert fetched.preset_id == "housing-2026"
        assert fetched.anonymous is True
        assert fetched.max_choices == 2
        assert fetched.closes_at == closes_at  # the same instant, whatever the zone it comes back in
        assert fetched.closes_at is not None
        assert fetched.closes_at.utcoffset() is not None
        assert fetched.created_at == T0
        assert fetched.closed_at is None
        assert fetched.message_ref is None
        assert fetched.is_open(T0)

    async def test_defaults_round_trip(self, store: Store) -> None:
        created = await make_poll(store)

        fetched = await store.get_poll(poll_id=created.id)

        assert fetched is not None
        assert fetched.preset_id is None
        assert fetched.anonymous is False
        assert fetched.max_choices == 1
        assert fetched.closes_at is None

    async def test_each_poll_gets_its_own_id(self, store: Store) -> None:
        first = await make_poll(store, question="First?")
        second = await make_poll(store, question="Second?")

        assert first.id != second.id
        assert (await store.get_poll(poll_id=first.id)).question == "First?"  # type: ignore[union-attr]
        assert (await store.get_poll(poll_id=second.id)).question == "Second?"  # type: ignore[union-attr]

    async def test_get_unknown_poll_is_none(self, store: Store) -> None:
        await make_poll(store)

        assert await store.get_poll(poll_id=UNKNOWN_POLL_ID) is None

    async def test_set_poll_message_is_persisted_and_replaced(self, store: Store) -> None:
        poll = await make_poll(store)

        await store.set_poll_message(poll_id=poll.id, message_ref="C1/1700000000.000100")
        assert (await store.get_poll(poll_id=poll.id)).message_ref == "C1/1700000000.000100"  # type: ignore[union-attr]

        await store.set_poll_message(poll_id=poll.id, message_ref="C1/1700000000.000200")
        assert (await store.get_poll(poll_id=poll.id)).message_ref == "C1/1700000000.000200"  # type: ignore[union-attr]

    # Single-choice votes -------------------------------------------------------

    async def test_single_choice_record_unchanged_changed(self, store: Store) -> None:
        poll = await make_poll(store)

        assert await vote(store, poll, "u1", "a") == VoteOutcome.RECORDED
        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 1, "b": 0, "c": 0}, voters=1)

        assert await vote(store, poll, "u1", "a", now=T0 + MINUTE) == VoteOutcome.UNCHANGED
        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 1, "b": 0, "c": 0}, voters=1)

        assert await vote(store, poll, "u1", "b", now=T0 + 2 * MINUTE) == VoteOutcome.CHANGED
        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 0, "b": 1, "c": 0}, voters=1)
        assert await store.user_choices(poll_id=poll.id, user_id="u1") == ["b"]

    async def test_single_choice_users_are_independent(self, store: Store) -> None:
        poll = await make_poll(store)

        assert await vote(store, poll, "u1", "a") == VoteOutcome.RECORDED
        assert await vote(store, poll, "u2", "a") == VoteOutcome.RECORDED
        assert await vote(store, poll, "u2", "c") == VoteOutcome.CHANGED

        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 1, "b": 0, "c": 1}, voters=2)
        assert await store.user_choices(poll_id=poll.id, user_id="u1") == ["a"]
        assert await store.user_choices(poll_id=poll.id, user_id="u2") == ["c"]

    async def test_votes_do_not_leak_between_polls(self, store: Store) -> None:
        first = await make_poll(store)
        second = await make_poll(store)

        assert await vote(store, first, "u1", "a") == VoteOutcome.RECORDED
        assert await vote(store, second, "u1", "b") == VoteOutcome.RECORDED

        assert (await store.tally(poll_id=first.id)).counts == {"a": 1, "b": 0, "c": 0}
        assert (await store.tally(poll_id=second.id)).counts == {"a": 0, "b": 1, "c": 0}

    # Multi-choice votes --------------------------------------------------------

    async def test_multi_choice_toggles_within_max_choices(self, store: Store) -> None:
        poll = await make_poll(store, keys=("a", "b", "c", "d"), max_choices=2)

        assert await vote(store, poll, "u1", "a") == VoteOutcome.RECORDED
        assert await vote(store, poll, "u1", "b") == VoteOutcome.RECORDED
        assert await vote(store, poll, "u1", "c") == VoteOutcome.LIMIT_REACHED
        assert await store.user_choices(poll_id=poll.id, user_id="u1") == ["a", "b"]

        assert await vote(store, poll, "u1", "a") == VoteOutcome.REMOVED
        assert await store.user_choices(poll_id=poll.id, user_id="u1") == ["b"]

        assert await vote(store, poll, "u1", "c") == VoteOutcome.RECORDED
        assert await store.user_choices(poll_id=poll.id, user_id="u1") == ["b", "c"]
        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 0, "b": 1, "c": 1, "d": 0}, voters=1)

    async def test_multi_choice_removing_the_last_choice_removes_the_voter(self, store: Store) -> None:
        poll = await make_poll(store, max_choices=3)

        assert await vote(store, poll, "u1", "b") == VoteOutcome.RECORDED
        assert await vote(store, poll, "u1", "b") == VoteOutcome.REMOVED

        assert await store.user_choices(poll_id=poll.id, user_id="u1") == []
        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 0, "b": 0, "c": 0}, voters=0)
        assert await store.voters(poll_id=poll.id) == []

    async def test_multi_choice_limit_is_per_user(self, store: Store) -> None:
        poll = await make_poll(store, max_choices=2)

        for user in ("u1", "u2"):
            assert await vote(store, poll, user, "a") == VoteOutcome.RECORDED
            assert await vote(store, poll, user, "c") == VoteOutcome.RECORDED
            assert await vote(store, poll, user, "b") == VoteOutcome.LIMIT_REACHED

        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 2, "b": 0, "c": 2}, voters=2)

    # Refused votes ---------------------------------------------------------------

    async def test_vote_on_unknown_poll(self, store: Store) -> None:
        await make_poll(store)

        outcome = await store.cast_vote(poll_id=UNKNOWN_POLL_ID, user_id="u1", option_key="a", now=T0)

        assert outcome == VoteOutcome.UNKNOWN_POLL

    @pytest.mark.parametrize("max_choices", [1, 2])
    async def test_vote_for_unknown_option(self, store: Store, max_choices: int) -> None:
        poll = await make_poll(store, max_choices=max_choices)
        await vote(store, poll, "u1", "a")

        assert await vote(store, poll, "u1", "nope") == VoteOutcome.UNKNOWN_OPTION
        assert await vote(store, poll, "u2", "A") == VoteOutcome.UNKNOWN_OPTION  # keys are exact

        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 1, "b": 0, "c": 0}, voters=1)
        assert await store.user_choices(poll_id=poll.id, user_id="u1") == ["a"]

    async def test_vote_for_an_option_of_another_poll(self, store: Store) -> None:
        poll = await make_poll(store, keys=("a", "b"))
        await make_poll(store, keys=("x", "y"))

        assert await vote(store, poll, "u1", "x") == VoteOutcome.UNKNOWN_OPTION
        assert (await store.tally(poll_id=poll.id)).voters == 0

    async def test_single_choice_vote_on_closed_poll_is_refused(self, store: Store) -> None:
        poll = await make_poll(store)
        await vote(store, poll, "u1", "a")
        assert await store.close_poll(poll_id=poll.id, now=T0 + HOUR)

        assert await vote(store, poll, "u2", "a", now=T0 + 2 * HOUR) == VoteOutcome.CLOSED
        assert await vote(store, poll, "u1", "b", now=T0 + 2 * HOUR) == VoteOutcome.CLOSED
        assert await vote(store, poll, "u1", "a", now=T0 + 2 * HOUR) == VoteOutcome.CLOSED

        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 1, "b": 0, "c": 0}, voters=1)
        assert await store.user_choices(poll_id=poll.id, user_id="u1") == ["a"]
        assert await store.user_choices(poll_id=poll.id, user_id="u2") == []

    async def test_multi_choice_vote_on_closed_poll_neither_adds_nor_removes(self, store: Store) -> None:
        poll = await make_poll(store, max_choices=2)
        await vote(store, poll, "u1", "a")
        await store.close_poll(poll_id=poll.id, now=T0 + HOUR)

        assert await vote(store, poll, "u1", "a", now=T0 + 2 * HOUR) == VoteOutcome.CLOSED  # would be REMOVED
        assert await vote(store, poll, "u1", "b", now=T0 + 2 * HOUR) == VoteOutcome.CLOSED  # would be RECORDED

        assert await store.user_choices(poll_id=poll.id, user_id="u1") == ["a"]
        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 1, "b": 0, "c": 0}, voters=1)

    @pytest.mark.parametrize("max_choices", [1, 2])
    async def test_vote_after_deadline_is_refused(self, store: Store, max_choices: int) -> None:
        deadline = datetime(2026, 1, 1, 3, 0, tzinfo=PLUS_TWO)  # 01:00 UTC
        poll = await make_poll(store, closes_at=deadline, max_choices=max_choices)

        just_before = datetime(2026, 1, 1, 0, 59, 59, 999_999, tzinfo=UTC)
        assert await vote(store, poll, "u1", "a", now=just_before) == VoteOutcome.RECORDED
        assert await vote(store, poll, "u2", "a", now=deadline) == VoteOutcome.CLOSED
        assert await vote(store, poll, "u3", "b", now=deadline + DAY) == VoteOutcome.CLOSED
        assert await vote(store, poll, "u1", "b", now=deadline + MINUTE) == VoteOutcome.CLOSED
        assert await vote(store, poll, "u1", "a", now=deadline + MINUTE) == VoteOutcome.CLOSED

        assert await store.tally(poll_id=poll.id) == Tally(counts={"a": 1, "b": 0, "c": 0}, voters=1)
        fetched = await store.get_poll(poll_id=poll.id)
        assert fetched is not None
        assert fetched.closed_at is None  # past its deadline, but nobody closed it
        assert not fetched.is_open(deadline)

    async def test_close_poll_returns_true_once(self, store: Store) -> None:
        poll = await make_poll(store)

        assert await store.close_poll(poll_id=poll.id, now=T0 + HOUR) is True
        assert await store.close_poll(poll_id=poll.id, now=T0 + 2 * HOUR) is False

        fetched = await store.get_poll(poll_id=poll.id)
        assert fetched is not None
        assert fetched.closed_at == T0 + HOUR  # the second call did not move it
        assert not fetched.is_open(T0 + HOUR)

    async def test_closing_one_poll_leaves_others_open(self, store: Store) -> None:
        first = await make_poll(store)
        second = await make_poll(store)

        await store.close_poll(poll_id=first.id, now=T0)

        assert await vote(store, second, "u1", "a", now=T0 + MINUTE) == VoteOutcome.RECORDED
        assert (await store.get_poll(poll_id=second.id)).closed_at is None  # type: ignore[union-attr]

    # Reading results -------------------------------------------------------------

    async def test_tally_lists_every_option_in_order_with_zeros(self, store: Store) -> None:
        poll = await make_poll(store, keys=("c", "a", "d", "b"))

        empty = await store.tally(poll_id=poll.id)
        assert list(empty.counts.items()) == [("c", 0), ("a", 0), ("d", 0), ("b", 0)]
        assert empty.voters == 0
        assert empty.total_votes == 0

        await vote(store, poll, "u1", "d")
        await vote(store, poll, "u2", "d")
        await vote(store, poll, "u3", "c")

        tally = await store.tally(poll_id=poll.id)
        assert list(tally.counts.items()) == [("c", 1), ("a", 0), ("d", 2), ("b", 0)]
        assert tally.voters == 3
        assert tally.total_votes == 3

    async def test_tally_counts_distinct_voters_in_multi_choice(self, store: Store) -> None:
        poll = await make_poll(store, max_choices=3)
        for user, keys in {"u1": "abc", "u2": "a", "u3": "bc"}.items():
            for key in keys:
                assert await vote(store, poll, user, key) == VoteOutcome.RECORDED

        tally = await store.tally(poll_id=poll.id)

        assert tally.counts == {"a": 2, "b": 2, "c": 2}
        assert tally.voters == 3
        assert tally.total_votes == 6

    async def test_user_choices(self, store: Store) -> None:
        poll = await make_poll(store, keys=("a", "b", "c", "d"), max_choices=3)
        await vote(store, poll, "u1", "d")
        await vote(store, poll, "u1", "a")
        await vote(store, poll, "u2", "b")

        assert await store.user_choices(poll_id=poll.id, user_id="u1") == ["a", "d"]  # in option order
        assert await store.user_choices(poll_id=poll.id, user_id="u2") == ["b"]
        assert await store.user_choices(poll_id=poll.id, user_id="nobody") == []

    async def test_voters(self, store: Store) -> None:
        single = await make_poll(store)
        multi = await make_poll(store, max_choices=2)
        await vote(store, single, "u2", "b")
        await vote(store, single, "u1", "a")
        await vote(store, single, "u3", "a")
        await vote(store, single, "u3", "c")  # moved
        await vote(store, multi, "u1", "a")
        await vote(store, multi, "u1", "c")

        assert sorted(await store.voters(poll_id=single.id), key=_voter_key) == [
            Voter(user_id="u1", option_key="a"),
            Voter(user_id="u2", option_key="b"),
            Voter(user_id="u3", option_key="c"),
        ]
        assert sorted(await store.voters(poll_id=multi.id), key=_voter_key) == [
            Voter(user_id="u1", option_key="a"),
            Voter(user_id="u1", option_key="c"),
        ]
        empty = await make_poll(store)
        assert await store.voters(poll_id=empty.id) == []

    async def test_list_polls_newest_first_and_filtered(self, store: Store) -> None:
        p1 = await make_poll(store, now=T0, question="P1")
        p2 = await make_poll(store, now=T0 + HOUR, question="P2", channel=OTHER)
        p3 = await make_poll(store, now=T0 + 2 * HOUR, question="P3", closes_at=T0 + 3 * HOUR)
        p4 = await make_poll(store, now=T0 + 3 * HOUR, question="P4")
        await store.close_poll(poll_id=p4.id, now=T0 + 3 * HOUR + MINUTE)

        async def ids(channel: ChannelRef | None = None, open_at: datetime | None = None) -> list[int]:
            return [s.id for s in await store.list_polls(channel=channel, open_at=open_at)]

        assert await ids() == [p4.id, p3.id, p2.id, p1.id]
        assert await ids(channel=GENERAL) == [p4.id, p3.id, p1.id]
        assert await ids(channel=OTHER) == [p2.id]
        assert await ids(channel=ChannelRef(platform="discord", workspace="guild-1", channel="elsewhere")) == []
        # same channel id on another platform or workspace is another channel
        assert await ids(channel=ChannelRef(platform="slack", workspace="guild-1", channel="general")) == []
        assert await ids(channel=ChannelRef(platform="discord", workspace="guild-2", channel="general")) == []
        assert await ids(open_at=T0 + 3 * HOUR + 30 * MINUTE) == [p2.id, p1.id]  # p3 expired, p4 closed
        assert await ids(open_at=T0 + 2 * HOUR + 30 * MINUTE) == [p3.id, p2.id, p1.id]  # p4 closed "later" is closed
        assert await ids(channel=GENERAL, open_at=T0 + 2 * HOUR + 30 * MINUTE) == [p3.id, p1.id]

    async def test_list_polls_summaries(self, store: Store) -> None:
        poll = await make_poll(store, now=T0, question="Multi?", max_choices=2, channel=OTHER)
        expiring = await make_poll(store, now=T0 + HOUR, question="Expiring?", closes_at=T0 + 2 * HOUR)
        await vote(store, poll, "u1", "a")
        await vote(store, poll, "u1", "b")
        await vote(store, poll, "u2", "a")

        summaries = {s.id: s for s in await store.list_polls(open_at=T0 + 90 * MINUTE)}
        assert summaries[poll.id] == PollSummary(
            id=poll.id,
            question="Multi?",
            platform=OTHER.platform,
            workspace=OTHER.workspace,
            channel=OTHER.channel,
            closed=False,
            total_votes=(await store.tally(poll_id=poll.id)).total_votes,
            created_at=T0,
        )
        assert summaries[poll.id].total_votes == 3
        assert summaries[expiring.id].closed is False
        assert summaries[expiring.id].created_at == T0 + HOUR

        await store.close_poll(poll_id=poll.id, now=T0 + 2 * HOUR)
        closed = {s.id: s for s in await store.list_polls()}
        assert closed[poll.id].closed is True
        assert closed[poll.id].total_votes == 3

    async def test_poll_snapshot_agrees_with_the_separate_reads(self, store: Store) -> None:
        poll = await make_poll(store, keys=("c", "a", "b"), max_choices=2)
        await vote(store, poll, "u2", "b")
        await vote(store, poll, "u1", "b")
        await vote(store, poll, "u1", "c")
        await vote(store, poll, "u10", "a")

        plain = await store.poll_snapshot(poll_id=poll.id)
        full = await store.poll_snapshot(poll_id=poll.id, with_voters=True)

        assert plain == PollSnapshot(poll=poll, tally=await store.tally(poll_id=poll.id), voters=())
        assert full is not None
        assert full.poll == await store.get_poll(poll_id=poll.id)
        assert full.tally == Tally(counts={"c": 1, "a": 1, "b": 2}, voters=3)
        # ordered by user id (as text), then by option position
        assert full.voters == (
            Voter(user_id="u1", option_key="c"),
            Voter(user_id="u1", option_key="b"),
            Voter(user_id="u10", option_key="a"),
            Voter(user_id="u2", option_key="b"),
        )
        assert await store.voters(poll_id=poll.id) == list(full.voters)

    async def test_poll_snapshot_of_an_anonymous_poll_has_no_voters(self, store: Store) -> None:
        poll = await make_poll(store, anonymous=True)
        await vote(store, poll, "u1", "a")

        snapshot = await store.poll_snapshot(poll_id=poll.id, with_voters=True)

        assert snapshot is not None
        assert snapshot.voters == ()
        assert snapshot.tally == Tally(counts={"a": 1, "b": 0, "c": 0}, voters=1)

    async def test_poll_snapshot_sees_message_and_closing(self, store: Store) -> None:
        poll = await make_poll(store)
        await store.set_poll_message(poll_id=poll.id, message_ref="m-1")
        await store.close_poll(poll_id=poll.id, now=T0 + HOUR)

        snapshot = await store.poll_snapshot(poll_id=poll.id)

        assert snapshot is not None
        assert snapshot.poll.message_ref == "m-1"
        assert snapshot.poll.closed_at == T0 + HOUR

    async def test_reading_an_unknown_poll(self, store: Store) -> None:
        await make_poll(store)

        assert await store.poll_snapshot(poll_id=UNKNOWN_POLL_ID, with_voters=True) is None
        assert await store.tally(poll_id=UNKNOWN_POLL_ID) == Tally(counts={}, voters=0)
        assert await store.user_choices(poll_id=UNKNOWN_POLL_ID, user_id="u1") == []
        assert await store.voters(poll_id=UNKNOWN_POLL_ID) == []
        assert await store.close_poll(poll_id=UNKNOWN_POLL_ID, now=T0) is False
        await store.set_poll_message(poll_id=UNKNOWN_POLL_ID, message_ref="m-1")  # nothing to update, no error
        assert await store.get_poll(poll_id=UNKNOWN_POLL_ID) is None

    async def test_list_polls_without_open_at_judges_deadlines_by_the_current_time(self, store: Store) -> None:
        now = datetime.now(UTC)
        expired = await make_poll(store, now=now - DAY, closes_at=now - HOUR)
        running = await make_poll(store, now=now - DAY, closes_at=now + DAY)

        closed = {s.id: s.closed for s in await store.list_polls()}

        assert closed == {expired.id: True, running.id: False}

    # Deadlines -------------------------------------------------------------------

    async def test_due_polls_are_the_open_ones_past_their_deadline_earliest_first(self, store: Store) -> None:
        later = await make_poll(store, closes_at=T0 + 2 * HOUR)
        earlier = await make_poll(store, closes_at=datetime(2026, 1, 1, 3, 0, tzinfo=PLUS_TWO))  # 01:00 UTC
        closed = await make_poll(store, closes_at=T0 + HOUR)
        await store.close_poll(poll_id=closed.id, now=T0 + MINUTE)
        await make_poll(store)  # no deadline
        await make_poll(store, closes_at=T0 + DAY)  # not yet

        assert await store.due_polls(now=T0 + HOUR - MINUTE) == []
        assert [p.id for p in await store.due_polls(now=T0 + HOUR)] == [earlier.id]  # the deadline itself is due
        due = await store.due_polls(now=T0 + 3 * HOUR)
        assert [p.id for p in due] == [earlier.id, later.id]
        assert due[0] == await store.get_poll(poll_id=earlier.id)

        await store.close_poll(poll_id=earlier.id, now=T0 + 3 * HOUR)
        assert [p.id for p in await store.due_polls(now=T0 + 3 * HOUR)] == [later.id]

    async def test_next_poll_deadline_is_the_earliest_not_yet_closed(self, store: Store) -> None:
        assert await store.next_poll_deadline() is None
        await make_poll(store)  # no deadline
        assert await store.next_poll_deadline() is None

        first = await make_poll(store, closes_at=T0 + HOUR)
        await make_poll(store, closes_at=T0 + DAY)
        second = await make_poll(store, closes_at=datetime(2026, 1, 1, 4, 0, tzinfo=PLUS_TWO))  # 02:00 UTC

        assert await store.next_poll_deadline() == T0 + HOUR
        await store.close_poll(poll_id=first.id, now=T0)
        assert await store.next_poll_deadline() == T0 + 2 * HOUR
        deadline = await store.next_poll_deadline()
        assert deadline is not None
        assert deadline.utcoffset() is not None
        await store.close_poll(poll_id=second.id, now=T0)
        assert await store.next_poll_deadline() == T0 + DAY

    async def test_a_poll_past_its_deadline_can_still_be_closed_once(self, store: Store) -> None:
        poll = await make_poll(store, closes_at=T0 + HOUR)

        assert await store.close_poll(poll_id=poll.id, now=T0 + 2 * HOUR) is True  # its deadline passed, unclosed
        assert await store.close_poll(poll_id=poll.id, now=T0 + 3 * HOUR) is False
        assert (await store.get_poll(poll_id=poll.id)).closed_at == T0 + 2 * HOUR  # type: ignore[union-attr]

    # Misuse ------------------------------------------------------------------------

    async def test_naive_datetimes_are_rejected(self, store: Store) -> None:
        with pytest.raises(ValueError, match="naive"):
            await store.create_poll(poll=new_poll(), now=NAIVE)
        poll = await make_poll(store)
        with pytest.raises(ValueError, match="naive"):
            await vote(store, poll, "u1", "a", now=NAIVE)

        assert await vote(store, poll, "u1", "a") == VoteOutcome.RECORDED
        assert len(await store.list_polls()) == 1

    async def test_a_closed_store_refuses_use(self, store: Store) -> None:
        poll = await make_poll(store)
        await store.close()

        with pytest.raises(StoreError, match="not open"):
            await store.get_poll(poll_id=poll.id)
        with pytest.raises(StoreError, match="not open"):
            await vote(store, poll, "u1", "a")
        with pytest.raises(StoreError, match="not open"):
            await make_poll(store)
