"""The composition root: everything is wired here, and only here."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.coord import coordination_for
from bot.core.clock import Clock, SystemClock
from bot.core.coordination import Coordination
from bot.core.core import Core
from bot.core.poll_cache import PollCache
from bot.core.ports import Store
from bot.core.publisher import Publisher
from bot.core.redraw import Redrawer
from bot.core.scheduler import Scheduler
from bot.core.services import Services
from bot.core.telemetry import Telemetry
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.knowledge.names import NameIndex
from bot.knowledge.search import ClaimSearch
from bot.ops.readiness import Readiness, database_check, redis_check
from bot.settings import Settings
from bot.store.factory import store_for

if TYPE_CHECKING:
    from bot.ops.metrics import Metrics


@dataclass
class App:
    settings: Settings
    kb: KnowledgeBase
    store: Store
    core: Core
    scheduler: Scheduler
    publishers: dict[str, Publisher]
    """Each running platform's way to post and draw polls (shared by the scheduler and the redrawer)."""
    redrawer: Redrawer
    coordination: Coordination
    """The rate limit and redraw tokens: shared through Redis when ``REDIS_URL`` is set (``ready()`` for /readyz)."""
    readiness: Readiness
    """What ``GET /readyz`` checks: the database; ``debatebot run`` adds the adapters."""
    metrics: Metrics | None = None
    """What ``GET /metrics`` serves: set when ``OPS_PORT`` is (or a test passes one); else nothing is counted."""
    _scheduler_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.store.open()
        await self.coordination.start()

    def start_scheduler(self) -> None:
        """Start posting digests and closing timed polls through the publishers registered so far."""
        if self._scheduler_task is None:
            self._scheduler_task = asyncio.create_task(self.scheduler.run(), name="scheduler")

    async def stop_scheduler(self) -> None:
        """No more digests or timed closes from now on (the first step of a shutdown)."""
        if self._scheduler_task is not None:
            task, self._scheduler_task = self._scheduler_task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def stop(self) -> None:
        """Stop the scheduler and the redraws still waiting, then close Redis (if used) and the database."""
        await self.stop_scheduler()
        await self.redrawer.close()
        await self.coordination.close()
        await self.store.close()

    def attach(self, publisher: Publisher, *, redraw_interval: float | None = None) -> None:
        """An adapter is connected: scheduled posts and poll redraws for its platform go through ``publisher``."""
        self.publishers[publisher.platform] = publisher
        if redraw_interval is not None:
            self.redrawer.intervals[publisher.platform] = redraw_interval
        self.scheduler.wake()

    def detach(self, platform: str) -> None:
        """The platform's adapter is stopping: nothing more is posted or drawn there."""
        self.publishers.pop(platform, None)


def build_services(
    settings: Settings, store: Store, clock: Clock, kb: KnowledgeBase | None = None, telemetry: Telemetry | None = None
) -> Services:
    kb = kb or load_knowledge(settings.knowledge_dir)
    names = NameIndex(kb.commentators.values())
    return Services(
        kb=kb,
        names=names,
        search=ClaimSearch(kb, names),
        store=store,
        clock=clock,
        polls=PollCache(store),
        digest_default_time=settings.digest_default_time,
        digest_default_tz=settings.digest_default_tz,
        telemetry=telemetry or Telemetry(),
    )


def build_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    kb: KnowledgeBase | None = None,
    metrics: Metrics | None = None,
    coordination: Coordination | None = None,
) -> App:
    """Wire the bot. Raises :class:`~bot.knowledge.loader.KnowledgeError` on an invalid knowledge base.

    Metrics are kept when ``OPS_PORT`` is set or ``metrics`` is given (each app has its own registry).
    """
    store = store or store_for(settings)
    if metrics is None and settings.ops_port is not None:
        from bot.ops.metrics import Metrics  # prometheus-client takes a while to import: only when it is used

        metrics = Metrics()
    if metrics is not None:
        metrics.watch_store(store)
    services = build_services(settings, store, clock or SystemClock(), kb, metrics)
    publishers: dict[str, Publisher] = {}  # each adapter adds its own when it connects
    coordination = coordination or coordination_for(settings, services.clock)
    redrawer = Redrawer(
        store, services.clock, publishers, telemetry=services.telemetry, tokens=coordination.redraw_tokens
    )
    core = Core(
        services,
        redrawer=redrawer,
        rate_limit=settings.rate_limit_commands,
        rate_window=timedelta(seconds=settings.rate_limit_window_seconds),
        limiter=coordination.rate_limit,
    )
    scheduler = Scheduler(services, publishers, redrawer, grace=settings.digest_grace)
    services.schedule_changes.listen(scheduler.wake)
    readiness = Readiness()
    readiness.add("database", database_check(store))
    if settings.redis_url is not None:
        readiness.add("redis", redis_check(coordination), advisory=True)
    return App(
        settings=settings,
        kb=services.kb,
        store=store,
        core=core,
        scheduler=scheduler,
        publishers=publishers,
        redrawer=redrawer,
        readiness=readiness,
        metrics=metrics,
        coordination=coordination,
    )
