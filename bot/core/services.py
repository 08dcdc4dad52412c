"""What command handlers need, wired once by :func:`bot.app.build_app`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.clock import Clock
from bot.core.poll_cache import PollCache
from bot.core.ports import Store
from bot.core.telemetry import Telemetry
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.names import NameIndex
from bot.knowledge.search import ClaimSearch


class ScheduleChanges:
    """Tells the scheduler that a subscription or a poll deadline changed, so it recomputes its sleep."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def listen(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    def notify(self) -> None:
        for callback in self._listeners:
            callback()


@dataclass(frozen=True)
class Services:
    kb: KnowledgeBase
    names: NameIndex
    search: ClaimSearch
    store: Store
    clock: Clock
    polls: PollCache
    digest_default_time: str = "09:00"
    digest_default_tz: str = "UTC"
    schedule_changes: ScheduleChanges = field(default_factory=ScheduleChanges)
    telemetry: Telemetry = field(default_factory=Telemetry)
    """Where the commands, votes and digests are counted (see :mod:`bot.core.telemetry`)."""
