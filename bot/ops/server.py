"""The ops HTTP server on ``OPS_HOST:OPS_PORT``: ``/healthz``, ``/readyz`` and ``/metrics`` for one process.

- ``GET /healthz``: 200 ``ok`` while the event loop runs (it serves the request, so answering is the proof);
  the body also gives how long one turn of the loop took just then. Restart the process if it fails.
- ``GET /readyz``: 200 when every :class:`~bot.ops.readiness.Readiness` check passes, else 503; the JSON body
  names each check and what is wrong with the failing ones. Take the process out of rotation if it fails.
- ``GET /metrics``: the app's :class:`~bot.ops.metrics.Metrics` in Prometheus' text format.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiohttp import web

from bot.ops import OpsServerError
from bot.ops.readiness import Readiness

if TYPE_CHECKING:  # prometheus-client is imported only when metrics are kept (see bot.app.build_app)
    from bot.app import App
    from bot.ops.metrics import Metrics

logger = logging.getLogger(__name__)

__all__ = ["OpsServer", "OpsServerError", "ops_server"]


class OpsServer:
    """Serves the three endpoints until :meth:`stop`; :attr:`port` is the one it got (``0`` asks for any)."""

    def __init__(self, metrics: Metrics, readiness: Readiness, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.metrics = metrics
        self.readiness = readiness
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Listen. Raises :class:`OpsServerError` if the address is taken or cannot be used."""
        application = web.Application()
        application.add_routes(
            [web.get("/healthz", self._healthz), web.get("/readyz", self._readyz), web.get("/metrics", self._metrics)]
        )
        runner = web.AppRunner(application, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise OpsServerError(_listen_problem(self.host, self.port, exc)) from None
        self._runner = runner
        addresses = runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        logger.info("ops server listening on %s (/healthz, /readyz, /metrics)", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        lag = await _loop_turn()
        return web.Response(text=f"ok\nloop_turn_seconds {lag:.6f}\n")

    async def _readyz(self, request: web.Request) -> web.Response:
        verdict = await self.readiness.verdict()
        checks = {name: verdict.problems.get(name, "ok") for name in verdict.checks}
        return web.json_response({"ready": verdict.ready, "checks": checks}, status=200 if verdict.ready else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        response = web.Response(body=self.metrics.exposition())
        response.headers["Content-Type"] = self.metrics.content_type
        return response


@contextlib.asynccontextmanager
async def ops_server(app: App, stopping: asyncio.Event) -> AsyncIterator[OpsServer | None]:
    """The app's ops server while the block runs, when ``OPS_PORT`` is set (else ``None``); once ``stopping`` is
    set, ``/readyz`` says so (a load balancer stops sending work while the process finishes what it has).

    Raises:
        OpsServerError: the port is taken or the address cannot be used.
    """
    settings = app.settings
    if settings.ops_port is None or app.metrics is None:
        yield None
        return
    app.readiness.add_flag("shutdown", lambda: not stopping.is_set(), "shutting down")
    server = OpsServer(app.metrics, app.readiness, host=settings.ops_host, port=settings.ops_port)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def _loop_turn() -> float:
    """Seconds until a callback scheduled now runs: how crowded the event loop is at this moment."""
    loop = asyncio.get_running_loop()
    ran = loop.create_future()
    started = time.perf_counter()
    loop.call_soon(ran.set_result, None)
    await ran
    return time.perf_counter() - started


def _listen_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"OPS_PORT: port {port} on {host} is already in use; choose another port or stop what holds it"
    if exc.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
        return f"OPS_HOST/OPS_PORT: cannot listen on {host}:{port} ({exc.strerror})"
    return f"OPS_HOST/OPS_PORT: cannot listen on {host}:{port} ({exc.strerror or exc})"
