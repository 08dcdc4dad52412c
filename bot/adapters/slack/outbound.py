"""Every call that sends something to Slack, with one policy for failures.

- A Slack error (``not_in_channel``, ``channel_not_found``, ``is_archived``…) is returned, never retried.
- A timeout or a dropped connection is an *unknown outcome* (the message may have been posted): it is
  logged and not retried, so nobody sees a message twice.
- 429s are retried by the client's ``AsyncRateLimitErrorRetryHandler``, which honours ``Retry-After``;
  these calls only ever run after ``ack()``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.render import SlackMessage
from bot.core.telemetry import Telemetry

logger = logging.getLogger(__name__)

UNREACHABLE = frozenset({"channel_not_found", "not_in_channel", "is_archived", "restricted_action"})
"""Post errors that no retry can fix: the bot cannot write in that channel."""
UNKNOWN_OUTCOME = "unknown_outcome"
RUN_EVENT_TYPE = "debatebot_run"
"""Message metadata type marking a scheduled post (a digest, a poll's results)."""
DEFINITE = UNREACHABLE | {"account_inactive", "invalid_auth", "token_revoked", "missing_scope", "not_authed"}
"""Failures a retry cannot fix; anything else may have posted (or may work next time)."""


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (``not_in_channel``…), or the HTTP status when the answer was not Slack JSON."""
    data = exc.response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"http_{exc.response.status_code}"


@dataclass(frozen=True)
class Sent:
    """What came of one call: the new message's ``ts``, or Slack's error code."""

    ok: bool
    ts: str | None = None
    error: str | None = None

    @property
    def unreachable(self) -> bool:
        return self.error in UNREACHABLE


class Outbound:
    """Posts, ephemeral messages, updates and ``response_url`` answers."""

    def __init__(
        self, web: AsyncWebClient, session: aiohttp.ClientSession | None = None, telemetry: Telemetry | None = None
    ) -> None:
        self.web = web
        self.session = session
        self.telemetry = telemetry or Telemetry()

    def _failed(self, kind: str) -> None:
        self.telemetry.platform_error(platform="slack", kind=kind)

    async def _call(self, method: str, **kwargs: Any) -> Sent:
        try:
            response = await self.web.api_call(method, json=kwargs)
        except SlackApiError as exc:
            error = error_code(exc)
            self._failed(error)
            logger.warning("%s in %s failed: %s", method, kwargs.get("channel"), error)
            return Sent(ok=False, error=error)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._failed(UNKNOWN_OUTCOME)
            logger.warning("%s in %s: no answer (%s); it may have gone through", method, kwargs.get("channel"), exc)
            return Sent(ok=False, error=UNKNOWN_OUTCOME)
        return Sent(ok=True, ts=response.get("ts") or response.get("message_ts"))

    async def post(self, message: SlackMessage, *, channel: str, thread_ts: str | None = None) -> Sent:
        """``chat.postMessage``; never ``link_names``, no unfurling of links in user text."""
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        return await self._call(
            "chat.postMessage", channel=channel, **message.body(), unfurl_links=False, unfurl_media=False, **extra
        )

    async def post_marked(self, message: SlackMessage, *, channel: str, run_key: str) -> Sent:
        """``chat.postMessage`` with message metadata naming the scheduled run, so it can be found again."""
        metadata = {"event_type": RUN_EVENT_TYPE, "event_payload": {"run_key": run_key}}
        return await self._call(
            "chat.postMessage",
            channel=channel,
            **message.body(),
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
        )

    async def find_marked(self, *, channel: str, run_key: str, limit: int = 100) -> str | None:
        """The ``ts`` of a recent message in ``channel`` posted by :meth:`post_marked` for ``run_key``."""
        try:
            response = await self.web.api_call(
                "conversations.history", params={"channel": channel, "limit": limit, "include_all_metadata": "true"}
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            self._failed(error_code(exc) if isinstance(exc, SlackApiError) else UNKNOWN_OUTCOME)
            logger.warning("could not read %s's history to look for run %s: %s", channel, run_key, exc)
            return None
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == RUN_EVENT_TYPE
                and (metadata.get("event_payload") or {}).get("run_key") == run_key
            ):
                return str(message.get("ts"))
        return None

    async def ephemeral(self, message: SlackMessage, *, channel: str, user: str, thread_ts: str | None = None) -> Sent:
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        return await self._call("chat.postEphemeral", channel=channel, user=user, **message.body(), **extra)

    async def update(self, message: SlackMessage, *, channel: str, ts: str) -> Sent:
        return await self._call("chat.update", channel=channel, ts=ts, **message.body())

    async def respond(
        self,
        url: str,
        message: SlackMessage,
        *,
        response_type: Literal["ephemeral", "in_channel"] | None = None,
        replace_original: bool = False,
    ) -> bool:
        """Answer through a ``response_url`` (5 uses in 30 minutes); ``False`` if Slack refused it."""
        body: dict[str, Any] = {**message.body(), "replace_original": replace_original}
        if response_type is not None:
            body["response_type"] = response_type
        client = AsyncWebhookClient(
            url=url,
            session=self.session,
            timeout=10,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        try:
            response = await client.send_dict(body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._failed(UNKNOWN_OUTCOME)
            logger.warning("response_url: no answer (%s); it may have gone through", exc)
            return True
        if response.status_code != 200:
            self._failed(f"response_url_http_{response.status_code}")
            logger.warning("response_url refused the answer: %s %s", response.status_code, response.body[:200])
            return False
        return True
