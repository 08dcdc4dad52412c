"""The ops server over real HTTP on 127.0.0.1: /healthz, /readyz and /metrics, and a port already taken."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.knowledge.base import KnowledgeBase
from bot.ops import OpsServerError
from bot.ops.metrics import Metrics
from bot.ops.server import OpsServer, ops_server
from bot.settings import Settings
from tests.conftest import Chat, FakeClock
from tests.ops.scrape import get, value


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port something else is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


async def test_healthz_answers_ok_with_the_time_one_loop_turn_took(ops: OpsServer) -> None:
    status, _, body = await get(f"{ops.url}/healthz")
    assert status == 200
    first, second = body.splitlines()
    assert first == "ok"
    name, seconds = second.split()
    assert name == "loop_turn_seconds"
    assert 0 <= float(seconds) < 1


async def test_readyz_is_200_when_the_database_answers(ops: OpsServer) -> None:
    status, content_type, body = await get(f"{ops.url}/readyz")
    assert status == 200
    assert content_type.startswith("application/json")
    assert json.loads(body) == {"ready": True, "checks": {"database": "ok"}}


async def test_readyz_is_503_naming_the_database_once_it_is_closed(app: App, ops: OpsServer) -> None:
    await app.store.close()
    status, _, body = await get(f"{ops.url}/readyz")
    assert status == 503
    verdict = json.loads(body)
    assert verdict["ready"] is False
    assert "not open" in verdict["checks"]["database"]


async def test_readyz_is_503_when_the_database_does_not_answer_in_time(app: App, ops: OpsServer) -> None:
    app.readiness.timeout = 0.2
    stuck = asyncio.Event()

    async def hangs(*, key: str) -> str | None:
        await stuck.wait()
        return None

    app.store.get_meta = hangs  # type: ignore[method-assign]  # a database that stopped answering
    status, _, body = await get(f"{ops.url}/readyz")
    assert status == 503
    assert json.loads(body)["checks"] == {"database": "no answer within 0.2 s"}


async def test_metrics_serve_the_prometheus_text_format_of_this_app(chat: Chat, ops: OpsServer) -> None:
    await chat.say("/whosays lecun")
    status, content_type, body = await get(f"{ops.url}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=")
    assert value(body, "debatebot_commands_total", platform="test", command="whosays", outcome="ok") == 1
    assert value(body, "debatebot_answer_seconds_count", platform="test") == 1
    assert value(body, "debatebot_db_connections") == 1
    assert value(body, "process_resident_memory_bytes") > 0  # the standard process metrics come along


async def test_each_app_counts_in_its_own_registry(
    chat: Chat, metrics: Metrics, tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    other = build_app(
        Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'other.db'}"),  # type: ignore[call-arg]
        clock=clock,
        kb=kb,
        metrics=Metrics(),
    )
    await chat.say("/whosays lecun")
    assert other.metrics is not None
    assert value(metrics, "debatebot_commands_total", command="whosays") == 1
    assert value(other.metrics, "debatebot_commands_total", command="whosays") == 0


async def test_a_port_in_use_is_a_clear_error_naming_ops_port(app: App, metrics: Metrics, taken_port: int) -> None:
    server = OpsServer(metrics, app.readiness, host="127.0.0.1", port=taken_port)
    with pytest.raises(OpsServerError, match=rf"OPS_PORT: port {taken_port} on 127.0.0.1 is already in use"):
        await server.start()


async def test_readyz_turns_503_as_soon_as_shutdown_begins(tmp_path: Path, clock: FakeClock, kb: KnowledgeBase) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", ops_port=0, ops_host="127.0.0.1"
    )
    app = build_app(settings, clock=clock, kb=kb)
    assert app.metrics is not None, "OPS_PORT set: the app keeps metrics"
    stopping = asyncio.Event()
    async with ops_server(app, stopping) as server:
        assert server is not None
        await app.start()
        try:
            assert (await get(f"{server.url}/readyz"))[0] == 200
            stopping.set()  # SIGTERM: the load balancer must stop sending work while the process drains
            status, _, body = await get(f"{server.url}/readyz")
            assert status == 503
            assert json.loads(body)["checks"] == {"database": "ok", "shutdown": "shutting down"}
        finally:
            await app.stop()
    with pytest.raises(ConnectionRefusedError):  # stopped with the block: nothing listens there any more
        await asyncio.open_connection("127.0.0.1", server.port)


async def test_without_ops_port_there_is_no_server_and_nothing_is_counted(app: App, settings: Settings) -> None:
    plain = build_app(settings, kb=app.kb)
    assert plain.metrics is None
    async with ops_server(plain, asyncio.Event()) as server:
        assert server is None


async def test_redis_away_is_reported_but_leaves_the_process_ready(
    tmp_path: Path, clock: FakeClock, kb: KnowledgeBase
) -> None:
    """Without Redis each process serves on its own: /readyz says so, but keeps the process in the load balancer."""
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        nowhere = probe.getsockname()[1]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        ops_port=0,
        redis_url=f"redis://127.0.0.1:{nowhere}/0",
    )
    app = build_app(settings, clock=clock, kb=kb)
    async with ops_server(app, asyncio.Event()) as server:
        assert server is not None
        await app.start()
        try:
            status, _, body = await get(f"{server.url}/readyz")
            verdict = json.loads(body)
            assert status == 200
            assert verdict["ready"] is True
            assert verdict["checks"]["database"] == "ok"
            assert verdict["checks"]["redis"].startswith("not answering")
        finally:
            await app.stop()
