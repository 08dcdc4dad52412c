"""Sending requests to the bot's HTTP endpoint the way Slack does: signed, with a 3-second patience.

Slack signs ``v0:{timestamp}:{body}`` with the app's signing secret (HMAC-SHA256). It waits 3 seconds for
an answer; an Events API delivery that gets no 2xx in time is sent again (``X-Slack-Retry-Num``
1–3, ``X-Slack-Retry-Reason``), here without Slack's 1- and 5-minute pauses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.adapters.slack.fake_socket import ACK_LIMIT, Answer


def signature(secret: str, timestamp: int, body: bytes) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SignedSender:
    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=ACK_LIMIT))

    async def close(self) -> None:
        await self.session.close()

    async def send(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        sign_with: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """POST ``body``; ``timestamp`` and ``sign_with`` let a test forge a stale or wrongly signed request."""
        stamp = int(time.time()) if timestamp is None else timestamp
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": signature(sign_with or self.secret, stamp, body),
            **(headers or {}),
        }
        started = time.monotonic()
        try:
            async with self.session.post(self.url, data=body, headers=all_headers) as response:
                text = await response.text()
                return Answer(response.status, text, time.monotonic() - started)
        except TimeoutError:
            return Answer(None, None, time.monotonic() - started)

    async def command(self, form: dict[str, str], **options: Any) -> Answer:
        return await self.send(urlencode(form).encode(), "application/x-www-form-urlencoded", **options)

    async def interaction(self, payload: dict[str, Any], **options: Any) -> Answer:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.send(body, "application/x-www-form-urlencoded", **options)

    async def event(self, body: dict[str, Any], *, retry: int = 0, reason: str = "http_timeout") -> Answer:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": reason} if retry else {}
        return await self.send(json.dumps(body).encode(), "application/json", headers=headers)

    async def deliver_event(self, body: dict[str, Any]) -> list[Answer]:
        """Slack's delivery: the first try, then up to 3 retries while no 2xx came back in time."""
        answers = [await self.event(body)]
        while len(answers) <= 3 and not (answers[-1].status is not None and 200 <= answers[-1].status < 300):
            reason = "http_timeout" if answers[-1].timed_out else "http_error"
            answers.append(await self.event(body, retry=len(answers), reason=reason))
        return answers


class PooledSender(SignedSender):
    """Signed requests through a pool of at most ``connections`` connections, as a load balancer keeps them, with a
    longer patience (``timeout``) than Slack's, to measure or to count every answer however late."""

    def __init__(self, url: str, secret: str, *, connections: int, timeout: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections), timeout=aiohttp.ClientTimeout(total=timeout)
        )
