"""What command handlers need, wired once by :func:`bot.app.build_app`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import Clock
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.names import NameIndex
from bot.knowledge.search import ClaimSearch
from bot.store.port import Store


@dataclass(frozen=True)
class Services:
    kb: KnowledgeBase
    names: NameIndex
    search: ClaimSearch
    store: Store
    clock: Clock
    digest_default_time: str = "09:00"
    digest_default_tz: str = "UTC"
