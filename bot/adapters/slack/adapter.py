"""The Slack adapter: slack-bolt's AsyncApp wired to the core, in Socket Mode or HTTP mode."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, Literal

import aiohttp

from bot.adapters.base import AdapterFatal
from bot.adapters.http_trace import rate_limit_trace
from bot.adapters.inflight import DRAIN_WAIT, SHUTDOWN_GRACE, InFlight, flush_redraws
from bot.adapters.slack.admins import AdminCheck
from bot.adapters.slack.client import bolt_app, web_client
from bot.adapters.slack.context import SlackContext
from bot.adapters.slack.names import CommandNameError, slash_commands
from bot.adapters.slack.outbound import Outbound
from bot.adapters.slack.poll_messages import PollMessages
from bot.adapters.slack.publisher import SlackPublisher
from bot.adapters.slack.send import Delivery
from bot.adapters.slack.startup import check_bot_token, credentials, socket_mode_url
from bot.adapters.slack.transports import HttpTransport, SocketTransport
from bot.app import App

logger = logging.getLogger(__name__)

EVENT_MEMORY = timedelta(days=1)
"""How long an ``event_id`` is remembered; Slack's retries come within minutes."""


class SlackAdapter:
    """Runs debatebot in one Slack workspace until :meth:`stop`.

    Args:
        app: The composed application (settings, store, core).
        host: Interface for HTTP mode (``127.0.0.1`` in tests).
        port: HTTP mode port; default ``SLACK_HTTP_PORT``, ``0`` for any free one (see :attr:`http_port`).
        refresh_interval: Least time between two redraws of one poll's message.
    """

    name = "slack"
    shutdown_grace = SHUTDOWN_GRACE
    """Seconds :meth:`stop` lets the core finish the answers in flight."""

    def __init__(
        self, app: App, *, host: str = "0.0.0.0", port: int | None = None, refresh_interval: float = 2.0
    ) -> None:
        self.app = app
        self.host = host
        self.port = app.settings.slack_http_port if port is None else port
        self.refresh_interval = refresh_interval
        self.http_port: int | None = None
        self.context: SlackContext | None = None
        self.ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._cleanup: list[Callable[[], Awaitable[object]]] = []
        self._socket: SocketTransport | None = None

    @property
    def mode(self) -> Literal["socket", "http"]:
        return "socket" if self.app.settings.slack_app_token is not None else "http"

    async def run(self) -> None:
        """Connect (or listen) and serve until :meth:`stop`; :class:`AdapterFatal` if it cannot start."""
        try:
            await self._start()
        except BaseException:
            await self._shut_down()
            raise
        if self._stopping.is_set():  # stop() came while starting
            await self._shut_down()
            return
        self.ready.set()
        await self._stopping.wait()

    def is_ready(self) -> bool:
        """Started and not stopping; in Socket Mode, the WebSocket to Slack is open too."""
        return self.ready.is_set() and not self._stopping.is_set() and (self._socket is None or self._socket.connected)

    async def stop(self) -> None:
        """Take no new work, answer every request in flight (or say the bot is restarting) within a bounded time,
        send the last poll redraws, then disconnect and close the HTTP session, before the database closes."""
        self._stopping.set()
        if self.context is not None:
            await self.context.ack_first.close()  # what waits behind the acks goes on now, to finish or say so
            await self.context.inflight.shutdown(self.shutdown_grace)
            await flush_redraws(self.app.redrawer, "Slack")
        await self._shut_down()

    async def drain(self) -> None:
        """Wait until every answer and poll redraw started so far has been sent."""
        if self.context is not None:
            await self.context.inflight.wait(DRAIN_WAIT)
            await self.app.redrawer.flush()

    async def _start(self) -> None:
        settings = self.app.settings
        keys = credentials(settings)
        try:
            commands = slash_commands(self.app.core.registry, settings.slack_command_names)
        except CommandNameError as exc:
            raise AdapterFatal(str(exc)) from None
        self.app.core.set_command_names("slack", {command: slash for slash, command in commands.items()})
        services = self.app.core.services
        session = aiohttp.ClientSession(trace_configs=[rate_limit_trace(services.telemetry, "slack")])
        self._cleanup.append(session.close)
        web = web_client(settings.slack_api_base_url, session, keys.bot_token)
        identity = await check_bot_token(web)
        out = Outbound(web, session, services.telemetry)
        polls = PollMessages(out, self.app.store, self.app.redrawer, interval=self.refresh_interval)
        self.context = ctx = SlackContext(
            core=self.app.core,
            kb=self.app.kb,
            store=self.app.store,
            clock=services.clock,
            identity=identity,
            web=web,
            delivery=Delivery(out, polls),
            polls=polls,
            admins=AdminCheck(web, settings.slack_admin_user_ids),
            inflight=InFlight(),
        )
        self._cleanup.append(ctx.inflight.finish_late)
        self._cleanup.append(ctx.ack_first.close)
        bolt, events = bolt_app(ctx, keys, commands, settings.slack_api_base_url, session)
        self._background(events.forget_old_events(EVENT_MEMORY))
        if keys.app_token is not None:
            url = await socket_mode_url(web, keys.app_token)
            self._socket = socket = SocketTransport(bolt, keys.app_token, web)
            self._cleanup.append(socket.stop)
            await socket.start(url)
        else:
            http = HttpTransport(bolt, self.host, self.port, keys.signing_secret)
            self._cleanup.append(http.stop)
            self.http_port = await http.start()
        # Only now, connected: a start that fails must not wake the scheduler (see _publish_scheduled_posts).
        self._publish_scheduled_posts(SlackPublisher(out, polls))
        logger.info("Slack adapter ready (%s mode, %d slash commands)", self.mode, len(commands))

    def _publish_scheduled_posts(self, publisher: SlackPublisher) -> None:
        """Let the scheduler post digests and poll results here, from now until shutdown.

        Called once connected. Waking the scheduler just before a failed start made ``debatebot run`` hang now
        and then: on Python 3.11 ``asyncio.wait_for`` can swallow the cancellation that stops the scheduler when
        it lands just as the wake-up does, and the scheduler then sleeps on while the process waits for it.
        """
        self.app.attach(publisher, redraw_interval=self.refresh_interval)

        async def withdraw() -> None:
            self.app.detach(publisher.platform)

        self._cleanup.append(withdraw)

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="slack-background")

        async def cancel() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        self._cleanup.append(cancel)

    async def _shut_down(self) -> None:
        while self._cleanup:
            step = self._cleanup.pop()
            try:
                await step()
            except Exception:
                logger.exception("while stopping the Slack adapter")
