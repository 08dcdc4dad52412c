"""An app that keeps metrics (on a real SQLite file), and its ops server on an ephemeral loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App, build_app
from bot.knowledge.base import KnowledgeBase
from bot.ops.metrics import Metrics
from bot.ops.server import OpsServer
from bot.settings import Settings
from tests.conftest import FakeClock


@pytest.fixture
async def app(settings: Settings, clock: FakeClock, kb: KnowledgeBase) -> AsyncIterator[App]:
    """The shared ``app`` fixture, counting into its own :class:`Metrics` (so ``core`` and ``chat`` count too)."""
    application = build_app(settings, clock=clock, kb=kb, metrics=Metrics())
    await application.start()
    yield application
    await application.stop()


@pytest.fixture
def metrics(app: App) -> Metrics:
    assert app.metrics is not None
    return app.metrics


@pytest.fixture
async def ops(app: App, metrics: Metrics) -> AsyncIterator[OpsServer]:
    server = OpsServer(metrics, app.readiness, host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.stop()
