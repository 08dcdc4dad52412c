"""The Slack adapter (slack-bolt): slash commands, Block Kit polls, mentions and direct messages."""

from bot.adapters.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
