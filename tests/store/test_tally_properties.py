"""Property tests: random vote sequences against a plain-dict model of the tally."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import VoteOutcome
from bot.store.sqlite import SQLiteStore
from tests.store.factories import T0, new_poll

USERS = [f"u{i}" for i in range(6)]
KEYS = ["a", "b", "c", "d"]

votes_strategy = st.lists(st.tuples(st.sampled_from(USERS), st.sampled_from(KEYS)), max_size=40)
PROPERTY_SETTINGS = settings(max_examples=30, deadline=None)


def run_with_store(scenario: Callable[[SQLiteStore], Awaitable[None]]) -> None:
    """Run ``scenario(store)`` on a fresh SQLite file, in its own event loop; the store is always closed."""

    async def main() -> None:
        with tempfile.TemporaryDirectory() as folder:
            store = SQLiteStore(Path(folder) / "prop.sqlite3")
            await store.open()
            try:
                await scenario(store)
            finally:
                await store.close()

    asyncio.run(main())


@PROPERTY_SETTINGS
@given(votes=votes_strategy)
def test_single_choice_last_vote_wins(votes: list[tuple[str, str]]) -> None:
    async def scenario(store: SQLiteStore) -> None:
        poll = await store.create_poll(poll=new_poll(keys=KEYS), now=T0)
        model: dict[str, str] = {}
        for step, (user, key) in enumerate(votes):
            outcome = await store.cast_vote(
                poll_id=poll.id, user_id=user, option_key=key, now=T0 + timedelta(seconds=step)
            )
            previous = model.get(user)
            expected = (
                VoteOutcome.RECORDED
                if previous is None
                else VoteOutcome.UNCHANGED
                if previous == key
                else VoteOutcome.CHANGED
            )
            assert outcome == expected, (step, user, key)
            model[user] = key

        tally = await store.tally(poll_id=poll.id)
        assert list(tally.counts) == KEYS
        assert tally.counts == {key: sum(1 for chosen in model.values() if chosen == key) for key in KEYS}
        assert tally.total_votes == len(model) == len({user for user, _ in votes})
        assert tally.voters == len(model)
        for user in USERS:
            expected_choices = [model[user]] if user in model else []
            assert await store.user_choices(poll_id=poll.id, user_id=user) == expected_choices

    run_with_store(scenario)


@PROPERTY_SETTINGS
@given(votes=votes_strategy, max_choices=st.integers(min_value=2, max_value=len(KEYS)))
def test_multi_choice_toggles_within_the_limit(votes: list[tuple[str, str]], max_choices: int) -> None:
    async def scenario(store: SQLiteStore) -> None:
        poll = await store.create_poll(poll=new_poll(keys=KEYS, max_choices=max_choices), now=T0)
        model: dict[str, set[str]] = {user: set() for user in USERS}
        for step, (user, key) in enumerate(votes):
            outcome = await store.cast_vote(
                poll_id=poll.id, user_id=user, option_key=key, now=T0 + timedelta(seconds=step)
            )
            chosen = model[user]
            if key in chosen:
                expected = VoteOutcome.REMOVED
                chosen.discard(key)
            elif len(chosen) >= max_choices:
                expected = VoteOutcome.LIMIT_REACHED
            else:
                expected = VoteOutcome.RECORDED
                chosen.add(key)
            assert outcome == expected, (step, user, key)
            actual = await store.user_choices(poll_id=poll.id, user_id=user)
            assert len(actual) <= max_choices
            assert actual == [k for k in KEYS if k in chosen]

        tally = await store.tally(poll_id=poll.id)
        assert tally.counts == {key: sum(1 for chosen in model.values() if key in chosen) for key in KEYS}
        assert tally.voters == sum(1 for chosen in model.values() if chosen)
        assert tally.total_votes == sum(len(chosen) for chosen in model.values())

    run_with_store(scenario)
