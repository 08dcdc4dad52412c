"""Start-up checks that turn a bad configuration into one clear :class:`AdapterFatal` (never echoing a secret)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import aiohttp
from pydantic import SecretStr
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import AdapterFatal
from bot.adapters.slack.context import BotIdentity
from bot.adapters.slack.outbound import error_code
from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Credentials:
    """The Slack secrets, kept out of ``repr`` so that no log line or traceback shows them."""

    bot_token: str = field(repr=False)
    app_token: str | None = field(repr=False)
    """Set: Socket Mode. ``None``: HTTP mode, which needs the signing secret."""
    signing_secret: str = field(repr=False)


def credentials(settings: Settings) -> Credentials:
    """The tokens and secret the settings give, checked for what the chosen mode needs."""
    bot_token = token(settings.slack_bot_token, "SLACK_BOT_TOKEN", "xoxb-")
    app_token = token(settings.slack_app_token, "SLACK_APP_TOKEN", "xapp-")
    secret = settings.slack_signing_secret.get_secret_value().strip() if settings.slack_signing_secret else ""
    if bot_token is None:
        raise AdapterFatal("SLACK_BOT_TOKEN is not set")
    if app_token is None and not secret:
        raise AdapterFatal(
            "Slack HTTP mode (no SLACK_APP_TOKEN) needs SLACK_SIGNING_SECRET, from the app's Basic Information "
            "page; or set SLACK_APP_TOKEN to use Socket Mode"
        )
    return Credentials(bot_token, app_token, secret)


def token(value: SecretStr | None, variable: str, prefix: str) -> str | None:
    """The secret's value, checked for the token type's prefix (the value itself is never shown)."""
    if value is None:
        return None
    text = value.get_secret_value().strip()
    if not text.startswith(prefix):
        raise AdapterFatal(f"{variable} does not look like a Slack {prefix}… token; copy it again from the app's page")
    return text


async def check_bot_token(web: AsyncWebClient) -> BotIdentity:
    """``auth.test``: who the bot is, or why it cannot start."""
    try:
        response = await web.auth_test()
    except SlackApiError as exc:
        error = error_code(exc)
        raise AdapterFatal(
            f"Slack refused SLACK_BOT_TOKEN ({error}); use the Bot User OAuth Token (xoxb-…) of an installed app"
        ) from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise AdapterFatal(f"cannot reach the Slack API at {web.base_url} ({type(exc).__name__})") from None
    team_id = str(response.get("team_id") or "")
    if not team_id:
        raise AdapterFatal("auth.test did not name the workspace; is SLACK_API_BASE_URL a Slack Web API?")
    logger.info("Slack: signed in as %s in workspace %s", response.get("user_id"), team_id)
    return BotIdentity(team_id=team_id, bot_user_id=response.get("user_id"), bot_id=response.get("bot_id"))


async def socket_mode_url(web: AsyncWebClient, app_token: str) -> str:
    """``apps.connections.open``: a WebSocket URL, or why Socket Mode cannot start."""
    try:
        response = await web.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        error = error_code(exc)
        raise AdapterFatal(
            f"Slack refused SLACK_APP_TOKEN ({error}); use an app-level token (xapp-…) with the connections:write "
            "scope, and turn Socket Mode on in the app's settings"
        ) from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise AdapterFatal(f"cannot reach the Slack API at {web.base_url} ({type(exc).__name__})") from None
    return str(response["url"])


class KnownBot(AsyncAuthorize):
    """Authorizes every request with what ``auth.test`` said at start-up.

    Bolt's default calls ``auth.test`` on the first request, before ``ack()``; this never calls Slack.
    """

    def __init__(self, identity: BotIdentity, bot_token: str) -> None:
        self.identity = identity
        self.bot_token = bot_token

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or self.identity.team_id,
            bot_user_id=self.identity.bot_user_id,
            bot_id=self.identity.bot_id,
            bot_token=self.bot_token,
            user_id=user_id,
        )


class QuietTokenNotice(logging.Filter):
    """Bolt notes that ``SLACK_BOT_TOKEN`` from the environment is unused when a client is given: it is, on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()
