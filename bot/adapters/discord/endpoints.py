"""Where discord.py connects: the REST base and gateway URL from the settings.

They exist for REST/gateway proxies and for local end-to-end runs against a fake Discord.
discord.py keeps both as class attributes (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``),
so they are set for the duration of one client run and restored afterwards. One Discord
client runs per process, which is what ``debatebot run`` starts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

logger = logging.getLogger(__name__)


@contextmanager
def discord_endpoints(api_base_url: str, gateway_url: str) -> Iterator[None]:
    """Send discord.py's REST calls to ``api_base_url`` and its gateway connection to ``gateway_url``.

    Args:
        api_base_url: the full REST base, such as ``https://discord.com/api/v10``.
        gateway_url: the gateway URL, used as given (discord.py adds its ``v``/``encoding`` query).
    """
    previous = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    base, gateway = api_base_url.rstrip("/"), yarl.URL(gateway_url)
    if (base, gateway) != previous:
        logger.info("Discord REST base %s, gateway %s", base, gateway)
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = previous
