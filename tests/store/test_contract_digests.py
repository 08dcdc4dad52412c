"""The contract every backend's :class:`~bot.core.ports.DigestStore` must pass: subscriptions, runs, quotes.

Only observable results are asserted.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.models import ChannelRef, DigestRun, RunStatus, Subscription
from bot.core.ports import Store, StoreError
from tests.store.factories import DAY, GENERAL, HOUR, MINUTE, OTHER, T0

LEASE = 10 * MINUTE
DAY1 = date(2026, 1, 1)


class TestDigestStoreContract:
    # Subscriptions -------------------------------------------------------------

    async def test_digest_subscription_lifecycle(self, store: Store) -> None:
        assert await store.get_subscription(channel=GENERAL) is None

        first = await store.subscribe_digest(
            channel=GENERAL, local_time="08:30", time_zone="Europe/Paris", user_id="admin-1", now=T0
        )
        assert first == Subscription(
            channel=GENERAL, local_time="08:30", time_zone="Europe/Paris", created_by="admin-1", created_at=T0
        )
        assert await store.get_subscription(channel=GENERAL) == first

        again = await store.subscribe_digest(
            channel=GENERAL, local_time="19:05", time_zone="America/New_York", user_id="admin-2", now=T0 + DAY
        )
        assert await store.get_subscription(channel=GENERAL) == again
        assert again.local_time == "19:05"
        assert again.time_zone == "America/New_York"
        assert again.created_by == "admin-2"
        assert await store.get_subscription(channel=OTHER) is None

        assert await store.unsubscribe_digest(channel=GENERAL) is True
        assert await store.get_subscription(channel=GENERAL) is None
        assert await store.unsubscribe_digest(channel=GENERAL) is False

    async def test_digest_subscriptions_are_per_channel(self, store: Store) -> None:
        await store.subscribe_digest(channel=GENERAL, local_time="08:00", time_zone="UTC", user_id="a", now=T0)
        await store.subscribe_digest(channel=OTHER, local_time="09:00", time_zone="Asia/Tokyo", user_id="b", now=T0)

        assert await store.unsubscribe_digest(channel=GENERAL) is True

        other = await store.get_subscription(channel=OTHER)
        assert other is not None
        assert other.local_time == "09:00"
        assert other.time_zone == "Asia/Tokyo"

    async def test_list_subscriptions_by_channel_paused_ones_included(self, store: Store) -> None:
        assert await store.list_subscriptions() == []
        third = ChannelRef(platform="discord", workspace="guild-1", channel="announcements")
        for channel in (OTHER, GENERAL, third):
            await store.subscribe_digest(channel=channel, local_time="08:00", time_zone="UTC", user_id="a", now=T0)
        await store.pause_subscription(channel=GENERAL, reason="paused after 3 failed attempts")

        listed = await store.list_subscriptions()

        assert [s.channel for s in listed] == [third, GENERAL, OTHER]  # by platform, workspace, channel
        assert [s.paused_reason for s in listed] == [None, "paused after 3 failed attempts", None]
        assert await store.get_subscription(channel=GENERAL) == listed[1]

    async def test_subscribing_again_resumes_a_paused_subscription(self, store: Store) -> None:
        await store.subscribe_digest(channel=GENERAL, local_time="08:00", time_zone="UTC", user_id="a", now=T0)
        await store.pause_subscription(channel=GENERAL, reason="channel gone")
        await store.pause_subscription(channel=OTHER, reason="not subscribed: nothing to pause")

        assert (await store.get_subscription(channel=GENERAL)).paused_reason == "channel gone"  # type: ignore[union-attr]
        assert await store.get_subscription(channel=OTHER) is None

        again = await store.subscribe_digest(
            channel=GENERAL, local_time="09:00", time_zone="UTC", user_id="b", now=T0 + DAY
        )
        assert again.paused_reason is None
        assert await store.get_subscription(channel=GENERAL) == again

    # Digest runs ---------------------------------------------------------------

    async def test_a_run_is_claimed_once_and_finished(self, store: Store) -> None:
        run = await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0, lease=LEASE)

        assert run == DigestRun(channel=GENERAL, local_date=DAY1, status=RunStatus.CLAIMED, attempts=1, claimed_at=T0)
        assert not run.is_retry
        assert await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0 + MINUTE, lease=LEASE) is None
        assert await store.last_digest_run(channel=GENERAL) == run

        await store.finish_digest_run(
            channel=GENERAL, local_date=DAY1, status=RunStatus.POSTED, now=T0 + MINUTE, message_ref="m-1"
        )

        assert await store.last_digest_run(channel=GENERAL) == DigestRun(
            channel=GENERAL,
            local_date=DAY1,
            status=RunStatus.POSTED,
            attempts=1,
            claimed_at=T0,
            finished_at=T0 + MINUTE,
            message_ref="m-1",
        )
        assert await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0 + DAY, lease=LEASE) is None

    async def test_runs_are_per_channel_and_day(self, store: Store) -> None:
        assert await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0, lease=LEASE) is not None
        assert await store.claim_digest_run(channel=OTHER, local_date=DAY1, now=T0, lease=LEASE) is not None
        next_day = await store.claim_digest_run(channel=GENERAL, local_date=DAY1 + DAY, now=T0, lease=LEASE)
        assert next_day is not None
        assert next_day.attempts == 1

    async def test_a_silent_claimant_loses_its_claim_after_the_lease(self, store: Store) -> None:
        await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0, lease=LEASE)

        too_soon = T0 + LEASE - MINUTE
        assert await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=too_soon, lease=LEASE) is None
        again = await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0 + LEASE, lease=LEASE)

        assert again is not None
        assert again.attempts == 2
        assert again.is_retry
        assert again.claimed_at == T0 + LEASE
        assert await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0 + LEASE, lease=LEASE) is None

    async def test_a_run_given_back_is_claimed_again_from_its_retry_time(self, store: Store) -> None:
        await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0, lease=LEASE)
        await store.retry_digest_run(channel=GENERAL, local_date=DAY1, error="x" * 600, retry_at=T0 + 2 * MINUTE)

        given_back = await store.last_digest_run(channel=GENERAL)
        assert given_back is not None
        assert given_back.status == RunStatus.CLAIMED
        assert given_back.retry_at == T0 + 2 * MINUTE
        assert given_back.last_error == "x" * 500  # kept short

        # the retry time decides, not the lease: not before it, even when the lease is over
        assert await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0 + MINUTE, lease=MINUTE) is None
        again = await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0 + 2 * MINUTE, lease=LEASE)

        assert again is not None
        assert again.attempts == 2
        assert again.claimed_at == T0 + 2 * MINUTE
        assert again.retry_at is None
        assert again.last_error == "x" * 500

    async def test_a_finished_run_is_not_given_back(self, store: Store) -> None:
        await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0, lease=LEASE)
        await store.finish_digest_run(
            channel=GENERAL, local_date=DAY1, status=RunStatus.FAILED, now=T0 + MINUTE, error="forbidden"
        )
        await store.retry_digest_run(channel=GENERAL, local_date=DAY1, error="later", retry_at=T0 + 2 * MINUTE)
        await store.retry_digest_run(channel=OTHER, local_date=DAY1, error="never claimed", retry_at=T0)

        run = await store.last_digest_run(channel=GENERAL)
        assert run is not None
        assert run.status == RunStatus.FAILED
        assert run.last_error == "forbidden"
        assert run.retry_at is None
        assert await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0 + HOUR, lease=LEASE) is None
        assert await store.last_digest_run(channel=OTHER) is None

    async def test_finishing_an_unclaimed_run_records_it(self, store: Store) -> None:
        await store.finish_digest_run(
            channel=GENERAL, local_date=DAY1, status=RunStatus.SKIPPED, now=T0, error="missed by more than 2:00:00"
        )

        assert await store.last_digest_run(channel=GENERAL) == DigestRun(
            channel=GENERAL,
            local_date=DAY1,
            status=RunStatus.SKIPPED,
            attempts=0,
            finished_at=T0,
            last_error="missed by more than 2:00:00",
        )
        assert await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0 + DAY, lease=LEASE) is None

    async def test_finishing_keeps_the_message_and_error_it_is_not_given(self, store: Store) -> None:
        await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0, lease=LEASE)
        await store.retry_digest_run(channel=GENERAL, local_date=DAY1, error="timeout", retry_at=T0 + MINUTE)
        await store.finish_digest_run(
            channel=GENERAL, local_date=DAY1, status=RunStatus.POSTED, now=T0 + MINUTE, message_ref="m-1"
        )
        await store.finish_digest_run(channel=GENERAL, local_date=DAY1, status=RunStatus.POSTED, now=T0 + HOUR)

        run = await store.last_digest_run(channel=GENERAL)
        assert run is not None
        assert run.message_ref == "m-1"
        assert run.last_error == "timeout"
        assert run.finished_at == T0 + HOUR
        assert run.retry_at is None

    async def test_last_digest_run_is_the_latest_local_date_of_the_channel(self, store: Store) -> None:
        assert await store.last_digest_run(channel=GENERAL) is None
        for day in (DAY1 + 2 * DAY, DAY1, DAY1 + DAY):
            await store.finish_digest_run(channel=GENERAL, local_date=day, status=RunStatus.POSTED, now=T0)
        await store.finish_digest_run(channel=OTHER, local_date=DAY1 + 5 * DAY, status=RunStatus.POSTED, now=T0)

        last = await store.last_digest_run(channel=GENERAL)

        assert last is not None
        assert last.local_date == DAY1 + 2 * DAY

    # Quotes ----------------------------------------------------------------------

    async def test_quote_of_the_day_is_stable_for_a_date(self, store: Store) -> None:
        claims = [f"claim-{i}" for i in range(6)]
        day = date(2026, 3, 1)

        first = await store.quote_of_the_day(channel=GENERAL, local_date=day, claim_ids=claims)
        assert first in claims
        assert await store.quote_of_the_day(channel=GENERAL, local_date=day, claim_ids=claims) == first

        for offset in range(1, 4):
            await store.quote_of_the_day(channel=GENERAL, local_date=day + timedelta(days=offset), claim_ids=claims)
        assert await store.quote_of_the_day(channel=GENERAL, local_date=day, claim_ids=claims) == first

    async def test_quote_of_the_day_uses_every_claim_once_per_cycle(self, store: Store) -> None:
        claims = [f"claim-{i}" for i in range(5)]
        n = len(claims)

        picks = [
            await store.quote_of_the_day(
                channel=GENERAL, local_date=date(2026, 1, 1) + timedelta(days=d), claim_ids=claims
            )
            for d in range(3 * n)
        ]

        for cycle in range(3):
            block = picks[cycle * n : (cycle + 1) * n]
            assert sorted(block) == sorted(claims), f"cycle {cycle}: {block}"

    async def test_quote_of_the_day_channels_rotate_independently(self, store: Store) -> None:
        claims = [f"claim-{i}" for i in range(4)]
        n = len(claims)
        start = date(2026, 5, 1)
        by_channel: dict[ChannelRef, list[str]] = {GENERAL: [], OTHER: []}

        # GENERAL runs a full cycle ahead, then both interleave day by day
        for d in range(n):
            by_channel[GENERAL].append(
                await store.quote_of_the_day(channel=GENERAL, local_date=start + timedelta(days=d), claim_ids=claims)
            )
        for d in range(2 * n):
            for channel in (OTHER, GENERAL):
                offset = d if channel == OTHER else n + d
                by_channel[channel].append(
                    await store.quote_of_the_day(
                        channel=channel, local_date=start + timedelta(days=offset), claim_ids=claims
                    )
                )

        for channel, picks in by_channel.items():
            for cycle in range(len(picks) // n):
                block = picks[cycle * n : (cycle + 1) * n]
                assert sorted(block) == sorted(claims), f"{channel.channel} cycle {cycle}: {block}"

    async def test_quote_of_the_day_never_returns_a_removed_claim(self, store: Store) -> None:
        claims = [f"claim-{i}" for i in range(4)]
        day = date(2026, 2, 1)
        chosen = await store.quote_of_the_day(channel=GENERAL, local_date=day, claim_ids=claims)
        remaining = [c for c in claims if c != chosen]

        replaced = await store.quote_of_the_day(channel=GENERAL, local_date=day, claim_ids=remaining)
        assert replaced in remaining
        assert await store.quote_of_the_day(channel=GENERAL, local_date=day, claim_ids=remaining) == replaced

        later = [
            await store.quote_of_the_day(channel=GENERAL, local_date=day + timedelta(days=d), claim_ids=remaining)
            for d in range(1, 2 * len(remaining) + 1)
        ]
        assert chosen not in later
        assert set(later) == set(remaining)

    async def test_quote_of_the_day_needs_claims(self, store: Store) -> None:
        with pytest.raises(ValueError, match="no claims"):
            await store.quote_of_the_day(channel=GENERAL, local_date=DAY1, claim_ids=[])

    # Misuse ------------------------------------------------------------------------

    async def test_a_closed_store_refuses_use(self, store: Store) -> None:
        await store.close()

        with pytest.raises(StoreError, match="not open"):
            await store.get_subscription(channel=GENERAL)
        with pytest.raises(StoreError, match="not open"):
            await store.claim_digest_run(channel=GENERAL, local_date=DAY1, now=T0, lease=LEASE)
        with pytest.raises(StoreError, match="not open"):
            await store.quote_of_the_day(channel=GENERAL, local_date=DAY1, claim_ids=["claim-1"])
