"""Bolt wired to debatebot: the Web API client, the ``AsyncApp``, and its listeners."""

from __future__ import annotations

import logging

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.buttons import PollButtons
from bot.adapters.slack.commands import SlashCommands
from bot.adapters.slack.context import SlackContext
from bot.adapters.slack.events import MessageEvents
from bot.adapters.slack.inbound import on_bolt_error
from bot.adapters.slack.startup import Credentials, KnownBot, QuietTokenNotice

bolt_logger = logging.getLogger("bot.adapters.slack.bolt")


def web_client(base_url: str, session: aiohttp.ClientSession, bot_token: str | None) -> AsyncWebClient:
    """A Web API client on ``base_url`` that waits out 429s (``Retry-After``) inside the call."""
    client = AsyncWebClient(token=bot_token, base_url=base_url, session=session, timeout=15)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def bolt_app(
    ctx: SlackContext, keys: Credentials, commands: dict[str, str], base_url: str, session: aiohttp.ClientSession
) -> tuple[AsyncApp, MessageEvents]:
    """Bolt with every listener registered, and the event listener (it also forgets old event ids).

    The client template has no token: requests are authorized by :class:`KnownBot`, without a call. A request
    no listener takes, or one bolt cannot read, is answered by :func:`~bot.adapters.slack.inbound.on_bolt_error`.

    Args:
        ctx: What the listeners share.
        keys: The Slack credentials.
        commands: Slash command → registry command.
        base_url: The Web API base (``SLACK_API_BASE_URL``).
        session: The adapter's HTTP session.
    """
    if not any(isinstance(f, QuietTokenNotice) for f in bolt_logger.filters):
        bolt_logger.addFilter(QuietTokenNotice())
    bolt = AsyncApp(
        name="debatebot",
        logger=bolt_logger,
        client=web_client(base_url, session, None),
        authorize=KnownBot(ctx.identity, keys.bot_token),
        signing_secret=keys.signing_secret,
        process_before_response=False,
        raise_error_for_unhandled_request=True,
    )
    bolt.error(on_bolt_error)
    bolt.use(ctx.ack_first)
    events = MessageEvents(ctx)
    results_slash = next((slash for slash, command in commands.items() if command == "results"), None)
    # bolt tries the listeners in this order on every request: the busiest (a burst of poll buttons) first
    for listeners in (PollButtons(ctx, results_slash), SlashCommands(ctx, commands), events):
        listeners.register(bolt)
    return bolt, events
