"""A bare discord.py bot that only acknowledges button clicks: the baseline of bench/discord_clicks.py.

It does the least any discord.py bot must do for a click (read the gateway event, build discord.py's
``Interaction``, send one ephemeral initial response) and nothing else, with the same intents as
debatebot. Measured the same way, it shows how much of a click's latency and CPU is discord.py and
the machine, so the benchmark's ratio is what debatebot adds on top.

    DISCORD_TOKEN=… DISCORD_API_BASE_URL=… DISCORD_GATEWAY_URL=… python -m bench.bare_discord
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import discord  # noqa: TID251

from bot.adapters.discord.endpoints import discord_endpoints


class BareClient(discord.Client):
    """Answers every component click with an ephemeral "ok"."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.component:
            await interaction.response.send_message("ok", ephemeral=True)


async def main() -> None:
    api = os.environ.get("DISCORD_API_BASE_URL", "https://discord.com/api/v10")
    gateway = os.environ.get("DISCORD_GATEWAY_URL", "wss://gateway.discord.gg/")
    with discord_endpoints(api, gateway):
        async with BareClient() as client:
            await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
