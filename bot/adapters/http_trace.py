"""Counting the platforms' HTTP 429s where they arrive: on the adapter's aiohttp session, whoever made the call.

discord.py and slack_sdk both wait out a 429 and retry inside the call, so the caller never sees one; a trace on
the session (discord.py's ``http_trace``, the Slack adapter's own ``ClientSession``) sees every response.
"""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp

from bot.core.telemetry import Telemetry

TOO_MANY_REQUESTS = 429


def rate_limit_trace(telemetry: Telemetry, platform: str) -> aiohttp.TraceConfig:
    """A trace that reports each 429 answer on the session to ``telemetry`` as ``platform``'s."""

    async def on_request_end(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        if params.response.status == TOO_MANY_REQUESTS:
            telemetry.rate_limited(platform=platform)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace
