"""The Discord adapter the runner starts: builds the client, runs it, and turns fatal errors into clear messages."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord

from bot.adapters.base import AdapterFatal
from bot.adapters.discord.client import DebateClient, ShardedDebateClient
from bot.adapters.discord.send import DEFER_AFTER
from bot.adapters.inflight import SHUTDOWN_GRACE
from bot.app import App

logger = logging.getLogger(__name__)

CLOSE_REASONS = {
    4004: "authentication failed: DISCORD_TOKEN is not a valid bot token (it may have been reset). "
    "Copy the token again from the Developer Portal (your application → Bot → Reset Token)",
    4010: "invalid shard: check DISCORD_SHARD_IDS against DISCORD_SHARD_COUNT",
    4011: "sharding required: set DISCORD_SHARD_COUNT (Discord requires sharding from 2,500 guilds)",
    4012: "invalid API version: check DISCORD_GATEWAY_URL",
    4013: "invalid intents",
    4014: "disallowed intents: the bot asked for an intent the application may not use. debatebot needs no "
    "privileged intents; check the Developer Portal (your application → Bot → Privileged Gateway Intents)",
}


def fatal_close_message(code: int | None) -> str:
    """What to tell the operator when Discord closes the gateway for good (never includes the token)."""
    reason = CLOSE_REASONS.get(code or 0, "the connection cannot be resumed")
    return f"Discord closed the gateway with code {code}: {reason}."


class DiscordAdapter:
    """Runs the Discord bot on the app's core and database until :meth:`stop`."""

    name = "discord"

    def __init__(
        self,
        app: App,
        *,
        guild_ready_timeout: float = 2.0,
        refresh_interval: float = 2.0,
        defer_after: float = DEFER_AFTER,
        shutdown_grace: float = SHUTDOWN_GRACE,
    ) -> None:
        self.app = app
        self.options: dict[str, Any] = {
            "guild_ready_timeout": guild_ready_timeout,
            "refresh_interval": refresh_interval,
            "defer_after": defer_after,
        }
        self.shutdown_grace = shutdown_grace
        self.client: DebateClient | None = None

    def build_client(self) -> DebateClient:
        """A plain client, or an ``AutoShardedClient`` when the shard settings are set."""
        settings = self.app.settings
        options = dict(self.options)
        cls: type[DebateClient] = DebateClient
        if settings.discord_shard_count is not None or settings.discord_shard_ids:
            count = settings.discord_shard_count
            if count is None:
                raise AdapterFatal("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total number of shards).")
            if any(shard >= count for shard in settings.discord_shard_ids):
                raise AdapterFatal(f"DISCORD_SHARD_IDS must be below DISCORD_SHARD_COUNT ({count}).")
            cls = ShardedDebateClient
            options.update(shard_count=count, shard_ids=list(settings.discord_shard_ids) or None)
        return cls(app=self.app, **options)

    async def run(self) -> None:
        """Log in, sync commands if they changed, and serve interactions until :meth:`stop`.

        Raises:
            AdapterFatal: bad token (401 or close 4004), refused intents (4014), other unrecoverable closes.
        """
        token = self.app.settings.discord_token
        if token is None or not token.get_secret_value().strip():
            raise AdapterFatal("DISCORD_TOKEN is not set.")
        self.client = client = self.build_client()
        base = self.app.settings.discord_api_base_url
        try:
            async with client:
                await client.start(token.get_secret_value())
        except discord.LoginFailure:
            raise AdapterFatal(
                "Discord rejected DISCORD_TOKEN (401 Unauthorized). Copy the bot token again from the "
                "Developer Portal (your application → Bot → Reset Token)."
            ) from None
        except discord.PrivilegedIntentsRequired:
            raise AdapterFatal(fatal_close_message(4014)) from None
        except discord.ConnectionClosed as exc:
            raise AdapterFatal(fatal_close_message(exc.code)) from None
        except (OSError, aiohttp.ClientError, discord.GatewayNotFound) as exc:
            raise AdapterFatal(f"cannot reach Discord at {base} ({type(exc).__name__}).") from None

    def is_ready(self) -> bool:
        """Logged in to Discord with the gateway open (every shard's, when sharded)."""
        return self.client is not None and self.client.gateway_open()

    async def stop(self) -> None:
        """Take no new work, answer every interaction in flight (or say the bot is restarting) within a bounded
        time, send the last poll-message edits, then disconnect, before the runner closes the database."""
        client = self.client
        if client is None:
            return
        if not client.is_closed():
            await client.shutdown(self.shutdown_grace)
        await client.close()
