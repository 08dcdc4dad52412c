"""Requests bolt cannot read get the protocol's 4xx, never a 500 and never a traceback in the log.

Where bolt raises instead of answering, and what is answered instead:

- ``X-Slack-Request-Timestamp`` that is not a number: the signature check calls ``int()`` on it. Such a request
  cannot be valid, so it gets bolt's own answer to a failed check, 401, before bolt sees it.
- A body that is not UTF-8, JSON that does not parse, or a ``payload`` that is not a JSON object:
  ``AsyncBoltRequest`` parses the body before anything checks the signature. Unsigned: 401; signed: 400.
- A signed payload whose fields have the wrong shape (``actions`` that is a string…): a listener matcher
  indexes it. Bolt's error handler (:func:`on_bolt_error`) answers 400, and when even that handler cannot be
  called (bolt builds its arguments from the same payload) :func:`answer` does.
- A request no listener takes (an unknown or missing ``type``): 404, logged on one line.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

logger = logging.getLogger(__name__)

MALFORMED = (ValueError, TypeError, AttributeError, LookupError)
"""What parsing or matching a payload of the wrong shape raises (``JSONDecodeError``, ``KeyError``…)."""
BAD_REQUEST = "Bad request: the body is not a Slack payload (a JSON object, or a form whose payload is one)."
UNHANDLED = "debatebot does not handle this kind of Slack request."
MAX_AGE = 300
"""Seconds a signed request stays valid, as bolt checks it."""


def unauthorized() -> BoltResponse:
    """Bolt's answer to a request that fails the signature check."""
    return BoltResponse(status=401, body={"error": "invalid request"})


def timestamp_readable(headers: Mapping[str, str]) -> bool:
    """Whether ``X-Slack-Request-Timestamp`` is absent (bolt then answers 401) or a number bolt can read."""
    timestamp = headers.get("X-Slack-Request-Timestamp")
    return timestamp is None or (timestamp.isascii() and timestamp.isdigit())


def signed(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether ``body`` carries a fresh, valid Slack signature (checked on the bytes: they may not be UTF-8)."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    given = headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(time.time() - int(timestamp)) > MAX_AGE:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v0=" + digest, given)


async def answer(bolt: AsyncApp, request: web.Request, secret: str) -> web.Response:
    """Bolt's answer to ``request``, or the 4xx for one bolt cannot read (see the module docstring)."""
    if not timestamp_readable(request.headers):
        logger.info("a Slack request with an unreadable timestamp header; answered 401")
        return await to_aiohttp_response(unauthorized())
    try:
        bolt_request = await to_bolt_request(request)
    except MALFORMED as exc:
        if not signed(secret, await request.read(), request.headers):
            return await to_aiohttp_response(unauthorized())
        logger.warning("a signed Slack request whose body cannot be read (%s); answered 400", type(exc).__name__)
        return web.Response(status=400, text=BAD_REQUEST)
    try:
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))
    except MALFORMED as exc:
        log_wrong_shape(bolt_request.body, exc)
        return web.Response(status=400, text=BAD_REQUEST)


def kind_of(body: Mapping[str, Any]) -> str:
    """A short description of a payload for the log: its type, and the command or event type if any."""
    event = body.get("event")
    parts = [body.get("type"), body.get("command"), event.get("type") if isinstance(event, Mapping) else None]
    return " ".join(f"{part!s:.40}" for part in parts if part) or "no type"


def log_wrong_shape(body: Mapping[str, Any], error: Exception, outcome: str = "answered 400") -> None:
    """One warning line, no traceback: the payload came from Slack (or its signer) but was not what it says."""
    detail = f"{kind_of(body)}; {type(error).__name__}: {error}"
    logger.warning("a Slack request of the wrong shape (%.120s); %s", detail, outcome)


async def on_bolt_error(
    error: Exception, request: AsyncBoltRequest, response: BoltResponse | None
) -> BoltResponse | None:
    """Bolt's error handler: unhandled requests get 404 and malformed ones 400, each logged on one line.

    ``response`` is ``None`` when a listener failed after ``ack()``: nothing can be answered then.
    """
    if isinstance(error, BoltUnhandledRequestError):
        logger.warning("a Slack request debatebot does not handle (%s); answered 404", kind_of(request.body))
        return BoltResponse(status=404, body=UNHANDLED)
    if response is None:
        logger.error("a Slack listener failed after ack()", exc_info=error)
        return None
    if isinstance(error, MALFORMED):
        log_wrong_shape(request.body, error)
        return BoltResponse(status=400, body=BAD_REQUEST)
    logger.error("a Slack request failed", exc_info=error)
    return None
