"""How requests reach bolt: a Socket Mode WebSocket (no public URL), or HTTP on ``/slack/events``."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import AdapterFatal
from bot.adapters.slack.inbound import MALFORMED, answer, log_wrong_shape

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
CONNECT_TIMEOUT = 30.0


class HttpTransport:
    """An aiohttp server: ``POST /slack/events`` (signature checked by bolt) and ``GET /healthz``.

    A request bolt cannot read is answered by :func:`~bot.adapters.slack.inbound.answer` (401, 400 or 404).
    """

    def __init__(self, bolt: AsyncApp, host: str, port: int, signing_secret: str) -> None:
        self._bolt = bolt
        self.host = host
        self.port = port
        self._secret = signing_secret
        self._runner: web.AppRunner | None = None

    async def _events(self, request: web.Request) -> web.Response:
        return await answer(self._bolt, request, self._secret)

    @staticmethod
    async def _health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def start(self) -> int:
        """Listen; return the port (useful when 0 asked the OS for a free one)."""
        application = web.Application(client_max_size=1024**2)
        application.add_routes([web.post(EVENTS_PATH, self._events), web.get("/healthz", self._health)])
        self._runner = web.AppRunner(application, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self.stop()
            raise AdapterFatal(f"cannot listen on {self.host}:{self.port} (SLACK_HTTP_PORT): {exc.strerror}") from None
        sockets = self._runner.addresses
        port = int(sockets[0][1]) if sockets else self.port
        logger.info("Slack HTTP mode: listening on %s:%d%s", self.host, port, EVENTS_PATH)
        return port

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


class SocketHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler; an envelope bolt cannot read is acknowledged and logged on one line."""

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        try:
            await super().handle(client, req)
        except MALFORMED as exc:
            log_wrong_shape(req.payload if isinstance(req.payload, dict) else {}, exc, "acknowledged and dropped")
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


class SocketTransport:
    """slack_bolt's Socket Mode handler; the SDK reconnects on its own (``disconnect`` messages, stale pings)."""

    def __init__(self, bolt: AsyncApp, app_token: str, web_client: AsyncWebClient) -> None:
        self._bolt = bolt
        self._app_token = app_token
        self._web = web_client
        self._handler: SocketHandler | None = None

    async def start(self, url: str) -> None:
        """Connect to ``url`` (from ``apps.connections.open``, already checked)."""
        self._handler = SocketHandler(self._bolt, app_token=self._app_token, web_client=self._web)
        self._handler.client.wss_uri = url
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):  # not wait_for: on 3.11 it can swallow a cancellation
                await self._handler.connect_async()  # type: ignore[no-untyped-call]
        except TimeoutError:
            await self.stop()
            raise AdapterFatal(f"no Socket Mode connection within {CONNECT_TIMEOUT:g} seconds") from None
        logger.info("Slack Socket Mode: connected")

    @property
    def connected(self) -> bool:
        """The WebSocket to Slack is open and answering pings (the SDK reconnects on its own when it is not)."""
        if self._handler is None:
            return False
        client = self._handler.client
        session = client.current_session
        return not client.closed and not client.stale and session is not None and not session.closed

    async def stop(self) -> None:
        if self._handler is None:
            return
        handler, self._handler = self._handler, None
        await handler.close_async()  # type: ignore[no-untyped-call]
        client = handler.client
        tasks = [t for t in (client.message_processor, client.current_session_monitor, client.message_receiver) if t]
        await asyncio.gather(*tasks, return_exceptions=True)
