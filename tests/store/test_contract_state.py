"""The contract every backend's :class:`~bot.core.ports.PlatformState` must pass: meta values and event ids.

Only observable results are asserted.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.core.ports import Store, StoreError
from tests.store.factories import DAY, HOUR, MINUTE, T0


class TestPlatformStateContract:
    # Meta values -----------------------------------------------------------------

    async def test_meta_round_trip_and_overwrite(self, store: Store) -> None:
        assert await store.get_meta(key="discord.commands") is None
        await store.set_meta(key="discord.commands", value="abc")
        await store.set_meta(key="discord.commands", value="def")
        assert await store.get_meta(key="discord.commands") == "def"

    async def test_meta_keys_are_independent(self, store: Store) -> None:
        await store.set_meta(key="discord.commands", value="abc")
        await store.set_meta(key="slack.commands", value="")

        assert await store.get_meta(key="discord.commands") == "abc"
        assert await store.get_meta(key="slack.commands") == ""  # empty is a value, not a missing one
        assert await store.get_meta(key="Discord.commands") is None  # keys are exact

    # Events ----------------------------------------------------------------------

    async def test_claim_event_once_per_platform(self, store: Store) -> None:
        assert await store.claim_event(platform="slack", event_id="Ev1", now=T0) is True
        assert await store.claim_event(platform="slack", event_id="Ev1", now=T0 + MINUTE) is False
        assert await store.claim_event(platform="discord", event_id="Ev1", now=T0) is True

    async def test_claim_event_concurrently_wins_once(self, store: Store) -> None:
        results = await asyncio.gather(*(store.claim_event(platform="slack", event_id="E", now=T0) for _ in range(20)))
        assert results.count(True) == 1

    async def test_prune_events_forgets_only_old_ones(self, store: Store) -> None:
        await store.claim_event(platform="slack", event_id="old", now=T0)
        await store.claim_event(platform="slack", event_id="new", now=T0 + DAY)
        assert await store.prune_events(before=T0 + HOUR) == 1
        assert await store.claim_event(platform="slack", event_id="old", now=T0 + DAY) is True
        assert await store.claim_event(platform="slack", event_id="new", now=T0 + DAY) is False

    async def test_prune_events_keeps_those_seen_at_the_cut_and_a_retry_does_not_refresh(self, store: Store) -> None:
        await store.claim_event(platform="slack", event_id="at-cut", now=T0 + HOUR)
        await store.claim_event(platform="discord", event_id="early", now=T0)
        assert await store.claim_event(platform="discord", event_id="early", now=T0 + DAY) is False  # a retry

        assert await store.prune_events(before=T0 + HOUR) == 1  # "early" was first seen at T0
        assert await store.prune_events(before=T0 + HOUR) == 0
        assert await store.claim_event(platform="slack", event_id="at-cut", now=T0 + DAY) is False

    # Misuse ------------------------------------------------------------------------

    async def test_a_closed_store_refuses_use(self, store: Store) -> None:
        await store.close()

        with pytest.raises(StoreError, match="not open"):
            await store.get_meta(key="discord.commands")
        with pytest.raises(StoreError, match="not open"):
            await store.claim_event(platform="slack", event_id="Ev1", now=T0)
