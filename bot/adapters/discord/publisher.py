"""Scheduled posts on Discord (daily digests, timed polls' results) for the core's scheduler.

A post carries the run's key as its ``nonce`` with ``enforce_nonce``, so when a post's outcome
was unknown and the scheduler tries again, Discord returns the first message instead of
posting a second one (for a few minutes; past that, :meth:`find_posted` cannot tell).
"""

from __future__ import annotations

import logging

import aiohttp
import discord

from bot.adapters.discord.errors import error_kind
from bot.adapters.discord.poll_messages import PollMessages, message_ref
from bot.adapters.discord.render import render
from bot.core.models import ChannelRef, Poll
from bot.core.publisher import PublishError
from bot.core.reply import PollView, Reply
from bot.core.telemetry import Telemetry

logger = logging.getLogger(__name__)

MAX_NONCE = 25


def publish_error(exc: Exception) -> PublishError:
    """Missing access, a deleted channel or bad data fail the same way again; anything else may have posted."""
    if isinstance(exc, RuntimeError):  # the client closed under it (shutdown): the run is retried after the restart
        return PublishError("the Discord connection is closing", definite=False)
    if isinstance(exc, discord.Forbidden | discord.NotFound):
        return PublishError(f"Discord refused it ({exc.status}, code {exc.code})", definite=True)
    if isinstance(exc, discord.HTTPException) and 400 <= exc.status < 500 and exc.status != 429:
        return PublishError(f"Discord rejected it ({exc.status}, code {exc.code})", definite=True)
    return PublishError(f"no answer from Discord ({type(exc).__name__})", definite=False)


class DiscordPublisher:
    """Posts to a channel and redraws poll messages through the running client."""

    platform = "discord"

    def __init__(self, client: discord.Client, poll_messages: PollMessages, telemetry: Telemetry | None = None) -> None:
        self.client = client
        self.poll_messages = poll_messages
        self.telemetry = telemetry or Telemetry()

    def _failed(self, exc: Exception) -> PublishError:
        self.telemetry.platform_error(platform=self.platform, kind=error_kind(exc))
        return publish_error(exc)

    async def post(self, *, channel: ChannelRef, reply: Reply, run_key: str) -> str:
        rendered = render(reply)
        if not channel.channel.isdigit():
            raise PublishError(f"{channel.channel!r} is not a Discord channel id", definite=True)
        target = self.client.get_partial_messageable(int(channel.channel))
        try:
            message = await target.send(
                rendered.content,
                embeds=rendered.embeds,
                allowed_mentions=discord.AllowedMentions.none(),
                nonce=run_key[:MAX_NONCE],
            )
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise self._failed(exc) from exc
        except RuntimeError as exc:  # "Session is closed"
            if not self.client.is_closed():
                raise
            raise self._failed(exc) from exc
        return message_ref(message.channel.id, message.id)

    async def find_posted(self, *, channel: ChannelRef, run_key: str) -> str | None:
        return None  # Discord's history does not return nonces; the enforced nonce covers the retry window

    async def update_poll(self, *, poll: Poll, view: PollView) -> None:
        try:
            await self.poll_messages.draw(poll, view)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise self._failed(exc) from exc
        except RuntimeError as exc:  # "Session is closed"
            if not self.client.is_closed():
                raise
            raise self._failed(exc) from exc
