"""The composition root: everything is wired here, and only here."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta

from bot.core.clock import Clock, SystemClock
from bot.core.core import Core
from bot.core.poll_cache import PollCache
from bot.core.ports import Store
from bot.core.publisher import Publisher
from bot.core.redraw import Redrawer
from bot.core.scheduler import Scheduler
from bot.core.services import Services
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.knowledge.names import NameIndex
from bot.knowledge.search import ClaimSearch
from bot.settings import Settings
from bot.store.factory import store_for


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
    _scheduler_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.store.open()

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
        """Stop the scheduler and the redraws still waiting, then close the database."""
        await self.stop_scheduler()
        await self.redrawer.close()
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


def build_services(settings: Settings, store: Store, clock: Clock, kb: KnowledgeBase | None = None) -> Services:
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
    )


def build_app(
    settings: Settings, *, store: Store | None = None, clock: Clock | None = None, kb: KnowledgeBase | None = None
) -> App:
    """Wire the bot. Raises :class:`~bot.knowledge.loader.KnowledgeError` on an invalid knowledge base."""
    store = store or store_for(settings)
    services = build_services(settings, store, clock or SystemClock(), kb)
    publishers: dict[str, Publisher] = {}  # each adapter adds its own when it connects
    redrawer = Redrawer(store, services.clock, publishers)
    core = Core(
        services,
        redrawer=redrawer,
        rate_limit=settings.rate_limit_commands,
        rate_window=timedelta(seconds=settings.rate_limit_window_seconds),
    )
    scheduler = Scheduler(services, publishers, redrawer, grace=settings.digest_grace)
    services.schedule_changes.listen(scheduler.wake)
    return App(
        settings=settings,
        kb=services.kb,
        store=store,
        core=core,
        scheduler=scheduler,
        publishers=publishers,
        redrawer=redrawer,
    )
