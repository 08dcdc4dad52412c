"""Rendering the core's :class:`~bot.core.reply.Reply` as a Discord message: ``(content, embeds, view)``.

Short answers (text only) become message content; richer ones become embeds: a title, text in
the description, quotes and fields as embed fields, small print in the footer. A poll is an
embed with bars and its buttons as a view; text around a poll goes in the message content, so
later edits of the poll (embeds and buttons only) keep it. All user text passes through
:func:`~bot.core.escaping.escape_discord`, except footers, where Discord renders neither
markdown nor mentions (an escape would show as a backslash).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import discord

from bot.adapters.discord.render_poll import poll_buttons, poll_embed
from bot.adapters.discord.text import MAX_CONTENT, MAX_DESCRIPTION, MAX_FOOTER, MAX_TITLE, cut, esc
from bot.core.escaping import escape_discord
from bot.core.reply import Block, Context, Fields, PollView, Quote, Reply, Text, Title

MAX_FIELDS, MAX_FIELD_NAME, MAX_FIELD_VALUE = 25, 256, 1024
MAX_EMBEDS, MAX_EMBED_TOTAL = 10, 6000
BLANK = "\u200b"

COLOUR, ERROR = discord.Colour.teal(), discord.Colour.red()


@dataclass
class Rendered:
    """A message ready for discord.py: ``content`` and/or ``embeds``, and the poll buttons if any."""

    content: str | None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    ephemeral: bool = False


def _content(blocks: Sequence[Block]) -> str:
    lines = []
    for block in blocks:
        if isinstance(block, Context):
            lines += [f"-# {escape_discord(line)}" for line in block.text.splitlines() if line.strip()]
        elif isinstance(block, Text):
            lines.append(escape_discord(block.text))
    return cut("\n".join(lines), MAX_CONTENT)


def _quote_field(block: Quote) -> tuple[str, str]:
    label = "Quote" if block.claim_kind == "quote" else "Paraphrase"
    text = f"“{block.text}”" if block.claim_kind == "quote" else block.text
    value = f"{escape_discord(text)}\n— *{escape_discord(block.attribution)}*"
    return f"{label} · {esc(block.person, 200)}", cut(value, MAX_FIELD_VALUE)


class _Cards:
    """Blocks laid out on embeds: a Title starts a new embed, so does a 26th field."""

    def __init__(self, colour: discord.Colour) -> None:
        self.colour = colour
        self.embeds: list[discord.Embed] = []
        self.texts: list[list[str]] = []
        self.notes: list[list[str]] = []
        self._new()

    def _new(self) -> None:
        self.embeds.append(discord.Embed(colour=self.colour))
        self.texts.append([])
        self.notes.append([])

    def add(self, block: Block) -> None:
        embed = self.embeds[-1]
        if isinstance(block, Title):
            if embed.title or embed.fields or self.texts[-1]:
                self._new()
            self.embeds[-1].title = esc(block.text, MAX_TITLE)
        elif isinstance(block, Text) and embed.fields:  # after fields: stays in its place, as a field
            self._field(BLANK, esc(block.text, MAX_FIELD_VALUE))
        elif isinstance(block, Text):
            self.texts[-1].append(escape_discord(block.text))
        elif isinstance(block, Context):
            self.notes[-1].append(block.text)
        elif isinstance(block, Quote):
            self._field(*_quote_field(block))
        elif isinstance(block, Fields):
            for item in block.fields:
                self._field(esc(item.name, MAX_FIELD_NAME), esc(item.value, MAX_FIELD_VALUE))

    def _field(self, name: str, value: str) -> None:
        if len(self.embeds[-1].fields) == MAX_FIELDS:
            self._new()
        self.embeds[-1].add_field(name=name or BLANK, value=value or BLANK, inline=False)

    def finish(self) -> list[discord.Embed]:
        for embed, texts, notes in zip(self.embeds, self.texts, self.notes, strict=True):
            if texts:
                embed.description = cut("\n\n".join(texts), MAX_DESCRIPTION)
            if notes:
                embed.set_footer(text=cut("\n".join(notes), MAX_FOOTER))
        return self.embeds


def _cards(blocks: Sequence[Block], colour: discord.Colour) -> list[discord.Embed]:
    cards = _Cards(colour)
    for block in blocks:
        cards.add(block)
    return cards.finish()


def render(reply: Reply) -> Rendered:
    """The Discord message for ``reply``; its plain-text fallback when embeds cannot hold it."""
    blocks = list(reply.blocks)
    polls = [b for b in blocks if isinstance(b, PollView)]
    if all(isinstance(b, Text | Context) for b in blocks):
        return Rendered(content=_content(blocks), ephemeral=reply.ephemeral)
    if polls:
        around = [b for b in blocks if isinstance(b, Text | Context)]
        rest = [b for b in blocks if not isinstance(b, PollView | Text | Context)]
        embeds = [poll_embed(p) for p in polls] + (_cards(rest, COLOUR) if rest else [])
        rendered = Rendered(_content(around) or None, embeds, poll_buttons(polls[0]), reply.ephemeral)
    else:
        rendered = Rendered(None, _cards(blocks, ERROR if reply.error else COLOUR), None, reply.ephemeral)
    if len(rendered.embeds) > MAX_EMBEDS or sum(len(e) for e in rendered.embeds) > MAX_EMBED_TOTAL:
        return Rendered(content=esc(reply.fallback, MAX_CONTENT), view=rendered.view, ephemeral=reply.ephemeral)
    return rendered
