"""Daily digests exactly once per channel-day, and timed polls closed on time, across restarts.

All state is in the database. :meth:`Scheduler.tick` does whatever is due at the clock's
"now" and says when it next needs to run; :meth:`Scheduler.run` sleeps until then or until
:meth:`Scheduler.wake` is called (a subscription or poll changed).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from datetime import datetime, timedelta

from bot.core.digest import DigestComposer
from bot.core.models import Poll, RunStatus, Subscription
from bot.core.polls import poll_view, result_blocks
from bot.core.publisher import Publisher, PublishError
from bot.core.redraw import Redrawer
from bot.core.render_text import reply
from bot.core.reply import PollView, Reply
from bot.core.schedule import Slot, latest_slot, next_slot
from bot.core.services import Services

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
"""A claim older than this, never finished, is taken over: its process probably died."""
MAX_DEFINITE_FAILURES = 3
RETRY_AFTER = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
SILENT_CLOSE_AFTER = timedelta(hours=2)
"""A poll overdue by more than this when the bot comes back is closed without an announcement."""
MAX_SLEEP = timedelta(minutes=5)


class Scheduler:
    def __init__(
        self,
        services: Services,
        publishers: dict[str, Publisher],
        redrawer: Redrawer,
        *,
        grace: timedelta = timedelta(hours=6),
        max_sleep: timedelta = MAX_SLEEP,
    ) -> None:
        self.s = services
        self.publishers = publishers
        """Where each platform posts: the same mapping the redrawer draws through; adapters add theirs."""
        self.redrawer = redrawer
        self.grace = grace
        self.max_sleep = max_sleep
        self.composer = DigestComposer(services)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Recompute the next due time now (a subscription or a poll deadline changed)."""
        self._wake.set()

    async def run(self) -> None:
        """Tick, then sleep until the next due time or a wake-up; until cancelled."""
        while True:
            self._wake.clear()
            try:
                wake_at = await self.tick()
            except Exception:
                logger.exception("scheduler tick failed; trying again shortly")
                wake_at = self.s.clock.now() + timedelta(seconds=30)
            delay = max(0.0, (wake_at - self.s.clock.now()).total_seconds())
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that lands as the wake-up
            # does, and a stopping process then waits forever for a scheduler that keeps looping.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def tick(self) -> datetime:
        """Do what is due now; return when to tick next."""
        now = self.s.clock.now()
        next_times = [now + self.max_sleep]
        for subscription in await self.s.store.list_subscriptions():
            if subscription.paused_reason is None and subscription.channel.platform in self.publishers:
                next_times.append(await self._digest(subscription, now))
        await self._close_due_polls(now)
        deadline = await self.s.store.next_poll_deadline()
        if deadline is not None:
            next_times.append(max(deadline, now + timedelta(seconds=1)))
        return min(next_times)

    # Digests -------------------------------------------------------------------

    def next_run(self, subscription: Subscription, now: datetime) -> Slot:
        return next_slot(subscription.local_time, subscription.time_zone, now)

    async def _digest(self, subscription: Subscription, now: datetime) -> datetime:
        slot = latest_slot(subscription.local_time, subscription.time_zone, now)
        if slot.due >= subscription.created_at:
            if now - slot.due <= self.grace:
                retry_at = await self._run_digest(subscription, slot, now)
                if retry_at is not None:
                    return retry_at
            else:
                await self._skip(subscription, slot, now)
        return self.next_run(subscription, now).due

    async def _skip(self, subscription: Subscription, slot: Slot, now: datetime) -> None:
        last = await self.s.store.last_digest_run(channel=subscription.channel)
        if last is not None and last.local_date >= slot.local_date:
            return
        logger.info(
            "digest for %s on %s missed by more than %s: skipped", subscription.channel, slot.local_date, self.grace
        )
        await self.s.store.finish_digest_run(
            channel=subscription.channel,
            local_date=slot.local_date,
            status=RunStatus.SKIPPED,
            now=now,
            error=f"missed by more than {self.grace}",
        )
        self.s.telemetry.digest_run(outcome="skipped")

    async def _run_digest(self, subscription: Subscription, slot: Slot, now: datetime) -> datetime | None:
        channel = subscription.channel
        run = await self.s.store.claim_digest_run(channel=channel, local_date=slot.local_date, now=now, lease=LEASE)
        if run is None:
            return None
        if run.is_retry and run.last_error is None:
            # Not a retry given back after a failure (that records its error): the last claimant went silent past
            # its lease. (A claimant that dies on a retry of its own is counted as a retry: the row cannot tell.)
            self.s.telemetry.claim_taken_over()
        publisher = self.publishers[channel.platform]
        key = run_key(subscription, slot)
        if run.is_retry:
            found = await publisher.find_posted(channel=channel, run_key=key)
            if found is not None:
                await self.s.store.finish_digest_run(
                    channel=channel, local_date=slot.local_date, status=RunStatus.POSTED, now=now, message_ref=found
                )
                self.s.telemetry.digest_run(outcome="posted")
                return None
        digest = reply(*await self.composer.compose(channel, slot.local_date))
        try:
            ref = await publisher.post(channel=channel, reply=digest, run_key=key)
        except PublishError as exc:
            return await self._failed(subscription, slot, run.attempts, exc, now)
        await self.s.store.finish_digest_run(
            channel=channel, local_date=slot.local_date, status=RunStatus.POSTED, now=now, message_ref=ref
        )
        self.s.telemetry.digest_run(outcome="posted")
        logger.info("digest posted to %s for %s", channel, slot.local_date)
        return None

    async def _failed(
        self, subscription: Subscription, slot: Slot, attempts: int, exc: PublishError, now: datetime
    ) -> datetime | None:
        channel = subscription.channel
        if exc.definite and attempts >= MAX_DEFINITE_FAILURES:
            reason = f"paused after {attempts} failed attempts: {exc}"
            await self.s.store.finish_digest_run(
                channel=channel, local_date=slot.local_date, status=RunStatus.FAILED, now=now, error=str(exc)
            )
            await self.s.store.pause_subscription(channel=channel, reason=reason)
            self.s.telemetry.digest_run(outcome="failed")
            logger.warning("digest for %s %s", channel, reason)
            return None
        retry_at = now + RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
        kind = "failed" if exc.definite else "had an unknown outcome"
        logger.warning("digest for %s on %s %s (%s); retrying at %s", channel, slot.local_date, kind, exc, retry_at)
        await self.s.store.retry_digest_run(
            channel=channel, local_date=slot.local_date, error=str(exc), retry_at=retry_at
        )
        self.s.telemetry.digest_run(outcome="retry")
        return retry_at

    # Timed polls ---------------------------------------------------------------

    async def _close_due_polls(self, now: datetime) -> None:
        for poll in await self.s.store.due_polls(now=now):
            publisher = self.publishers.get(poll.channel.platform)
            if publisher is None:
                continue  # closed when that platform's adapter runs, so its message can be redrawn
            assert poll.closes_at is not None
            closed = await self.s.store.close_poll(poll_id=poll.id, now=poll.closes_at)
            self.s.polls.forget(poll.id)
            if not closed:
                continue  # another process closed it
            self.redrawer.request(poll.id)
            if now - poll.closes_at > SILENT_CLOSE_AFTER:
                continue
            view = poll_view(
                poll.model_copy(update={"closed_at": poll.closes_at}), await self.s.store.tally(poll_id=poll.id), now
            )
            try:
                await publisher.post(channel=poll.channel, reply=self._results(poll, view), run_key=f"poll-{poll.id}")
            except PublishError as exc:
                logger.warning("poll #%d closed, but its results could not be posted: %s", poll.id, exc)

    def _results(self, poll: Poll, view: PollView) -> Reply:
        return reply(*result_blocks(self.s.kb, poll, view, name_question=True))


def run_key(subscription: Subscription, slot: Slot) -> str:
    """A short deterministic id for one channel-day (fits Discord's 25-character nonce)."""
    digest = hashlib.sha256(
        f"{subscription.channel.platform}|{subscription.channel.workspace}|{subscription.channel.channel}".encode()
    ).hexdigest()[:12]
    return f"d{slot.local_date:%Y%m%d}{digest}"
