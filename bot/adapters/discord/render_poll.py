"""A poll as a Discord embed (bars, shares, votes, status) and its buttons (see :mod:`.buttons`)."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.adapters.discord.buttons import drawn_buttons
from bot.adapters.discord.text import MAX_DESCRIPTION, MAX_FOOTER, MAX_TITLE, cut, esc
from bot.core.escaping import escape_discord
from bot.core.render_text import bar, plural, poll_status
from bot.core.reply import PollView

POLL_OPEN, POLL_CLOSED = discord.Colour.blurple(), discord.Colour.dark_grey()


def _relative(moment: datetime) -> str:
    return f"<t:{int(moment.timestamp())}:R>"


def poll_embed(view: PollView) -> discord.Embed:
    """A poll: one line per option with its bar, share and votes; the status in the footer."""
    lines = [
        f"**{number}. {esc(option.label, 200)}**\n`{bar(option.share)}` {option.share:.0%} · "
        f"{plural(option.votes, 'vote')}"
        for number, option in enumerate(view.options, start=1)
    ]
    if view.closes_at is not None and not view.closed:
        lines.append(f"Closes {_relative(view.closes_at)}")
    embed = discord.Embed(
        title=cut(f"Poll #{view.poll_id}: {escape_discord(view.question)}", MAX_TITLE),
        description=cut("\n".join(lines), MAX_DESCRIPTION),
        colour=POLL_CLOSED if view.closed else POLL_OPEN,
    )
    return embed.set_footer(text=cut(poll_status(view), MAX_FOOTER))


def poll_buttons(view: PollView) -> discord.ui.View | None:
    """One button per option and Close while the poll is open; ``None`` once it is closed."""
    return drawn_buttons(view.buttons)
