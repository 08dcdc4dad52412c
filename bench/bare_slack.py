"""The baseline for the Slack click benchmark: a bolt app that only acknowledges button presses.

``python -m bench.bare_slack`` serves the way debatebot does (see ``bot/adapters/slack/transports.py``), so the
benchmark's ratio measures what debatebot adds to a press, not the server stack: Socket Mode through bolt's
``AsyncSocketModeHandler`` (slack_sdk's aiohttp ``SocketModeClient``) when ``SLACK_APP_TOKEN`` is set, else HTTP
mode, an aiohttp ``AppRunner`` whose ``POST /slack/events`` goes through ``to_bolt_request``, ``async_dispatch``
and ``to_aiohttp_response``. Its one listener takes every ``block_actions`` press, with the constraint debatebot
uses (``ANY_BUTTON`` in ``bot/adapters/slack/buttons.py``), and calls ``ack()``, nothing else.

Settings, named as debatebot's: ``SLACK_BOT_TOKEN``, ``SLACK_APP_TOKEN`` (optional), ``SLACK_SIGNING_SECRET``,
``SLACK_API_BASE_URL`` and ``SLACK_HTTP_PORT``. The only Web API calls are those the fake Slack answers:
``apps.connections.open`` (Socket Mode) and bolt's ``auth.test`` on the first presses (the warm-up's; then cached).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request  # noqa: TID251 - a Slack bench
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler  # noqa: TID251 - a Slack bench
from slack_bolt.async_app import AsyncAck, AsyncApp  # noqa: TID251 - a Slack bench
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped  # noqa: TID251 - a Slack bench
from slack_sdk.web.async_client import AsyncWebClient  # noqa: TID251 - a Slack bench

EVENTS_PATH = "/slack/events"
ANY_BUTTON: dict[str, str | re.Pattern[str]] = {"type": "block_actions", "action_id": re.compile(r"")}
"""debatebot's constraint for every press (not imported: that would load all of debatebot into the baseline)."""


async def acknowledge(ack: AsyncAck) -> None:
    await ack()


def bare_app() -> AsyncApp:
    """Bolt with the one listener, its Web API client on ``SLACK_API_BASE_URL``.

    Bolt also reads ``SLACK_BOT_TOKEN`` itself and warns that the client's token wins: as debatebot does, that
    one notice is filtered out.
    """
    notice = warning_client_prioritized_and_token_skipped()
    logging.getLogger("slack_bolt.AsyncApp").addFilter(lambda record: record.getMessage() != notice)
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_BASE_URL"])
    app = AsyncApp(
        name="bare", client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=False
    )
    app.action(ANY_BUTTON)(acknowledge)
    return app


async def serve_http(app: AsyncApp, port: int, stopping: asyncio.Event) -> None:
    """debatebot's ``HttpTransport`` without its checks for malformed requests (the benchmark sends none)."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    application = web.Application(client_max_size=1024**2)
    application.add_routes([web.post(EVENTS_PATH, events)])
    runner = web.AppRunner(application, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()
    try:
        await stopping.wait()
    finally:
        await runner.cleanup()


async def serve_socket(app: AsyncApp, app_token: str, stopping: asyncio.Event) -> None:
    handler = AsyncSocketModeHandler(app, app_token=app_token, web_client=app.client)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await stopping.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


async def main() -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    app = bare_app()
    app_token = os.environ.get("SLACK_APP_TOKEN")
    if app_token:
        await serve_socket(app, app_token, stopping)
    else:
        await serve_http(app, int(os.environ.get("SLACK_HTTP_PORT", "3000")), stopping)


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"))
    asyncio.run(main())
