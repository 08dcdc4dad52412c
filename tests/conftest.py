"""Shared fixtures: a fake clock, the shipped knowledge base, and a core on a real SQLite file."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.core.actions import Action
from bot.core.core import Core
from bot.core.errors import UserError
from bot.core.inbound import action_request, line_request
from bot.core.reply import Reply
from bot.core.request import User
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import default_knowledge_dir, load_knowledge
from bot.settings import Settings
from tests.services import fold_service_skips

KNOWLEDGE_DIR = default_knowledge_dir()
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock that only moves when a test moves it."""

    current: datetime = START
    history: list[datetime] = field(default_factory=list)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    fold_service_skips(call)
    return (yield)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to connect beyond the loopback interface."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")):
            raise AssertionError(f"test tried to open a non-loopback socket to {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings: a fresh database file, and a rate limit high enough not to get in the way."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", rate_limit_commands=1000
    )


@pytest.fixture
async def app(settings: Settings, clock: FakeClock, kb: KnowledgeBase) -> AsyncIterator[App]:
    application = build_app(settings, clock=clock, kb=kb)
    await application.start()
    yield application
    await application.stop()


@pytest.fixture
def core(app: App) -> Core:
    return app.core


ALICE = User(id="alice", display_name="Alice")
BOB = User(id="bob", display_name="Bob")
ADMIN = User(id="mod", display_name="Moderator", is_admin=True)


class Chat:
    """Types lines into the core as users of one test channel would."""

    def __init__(self, core: Core, platform: str = "test", channel: str = "general") -> None:
        self.core = core
        self.platform = platform
        self.channel = channel

    async def say(self, line: str, user: User = ALICE) -> Reply:
        where = {"platform": self.platform, "workspace": "ws", "channel": self.channel, "user": user}
        try:
            request = line_request(
                self.core.registry, line, command_names=self.core.command_names(self.platform), **where
            )
        except UserError as exc:
            return self.core.refused(exc, self.platform)
        return await self.core.handle(request)

    async def press(self, action_id: str, user: User = ALICE) -> Reply:
        action = Action.unpack(action_id)
        assert action is not None, f"not a poll button: {action_id!r}"
        request = action_request(action, platform=self.platform, workspace="ws", channel=self.channel, user=user)
        return await self.core.handle(request)


@pytest.fixture
def chat(core: Core) -> Chat:
    return Chat(core)
