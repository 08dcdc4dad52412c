"""The Discord adapter: slash commands, autocomplete and persistent poll buttons over the core."""

from bot.adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
