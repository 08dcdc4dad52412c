"""Reply → Slack message: Block Kit blocks plus the ``text`` fallback, within Slack's limits.

Every piece of text comes from the core as plain text and goes out as ``plain_text`` (see
:mod:`bot.adapters.slack.text`): shown as typed, never formatted, never a mention or a link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.slack.render_poll import poll_blocks
from bot.adapters.slack.text import (
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_FIELD,
    MAX_FIELDS,
    MAX_HEADER,
    SlackBlock,
    context,
    escaped,
    plain,
    section,
)
from bot.core.render_text import render_text
from bot.core.reply import Block, Context, Fields, PollView, Quote, Reply, Text, Title

__all__ = ["MAX_BLOCKS", "SlackMessage", "escaped", "poll_blocks", "render_blocks", "render_poll", "render_reply"]


@dataclass(frozen=True)
class SlackMessage:
    """What ``chat.postMessage``, ``chat.update`` and a ``response_url`` take: ``text`` and ``blocks``."""

    text: str
    blocks: list[SlackBlock] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def block(item: Block) -> list[SlackBlock]:
    """One neutral block as Slack blocks."""
    if isinstance(item, Title):
        return [{"type": "header", "text": plain(item.text, MAX_HEADER)}]
    if isinstance(item, Text):
        return [section(item.text)]
    if isinstance(item, Quote):
        said = f"Quote: “{item.text}”" if item.claim_kind == "quote" else f"Paraphrase: {item.text}"
        return [section(said), context(f"— {item.attribution}")]
    if isinstance(item, Fields):
        fields = [plain(f"{f.name}\n{f.value}", MAX_FIELD) for f in item.fields]
        return [
            {"type": "section", "fields": fields[start : start + MAX_FIELDS]}
            for start in range(0, len(fields), MAX_FIELDS)
        ]
    if isinstance(item, Context):
        return [context(item.text)]
    return poll_blocks(item)


def fit(blocks: Sequence[SlackBlock]) -> list[SlackBlock]:
    """At most 50 blocks; a long reply ends with a note saying how much was left out."""
    if len(blocks) <= MAX_BLOCKS:
        return list(blocks)
    kept = list(blocks[: MAX_BLOCKS - 1])
    return [*kept, context(f"… {len(blocks) - len(kept)} more blocks left out (Slack shows at most {MAX_BLOCKS}).")]


def fallback(items: Iterable[Block]) -> str:
    """The ``text`` beside the blocks (notifications, screen readers): escaped, because Slack parses it too."""
    return escaped(render_text(items), MAX_FALLBACK) or " "


def render_blocks(items: Sequence[Block]) -> SlackMessage:
    return SlackMessage(text=fallback(items), blocks=fit([b for item in items for b in block(item)]))


def render_reply(reply: Reply, *, leave_out_poll: int | None = None) -> SlackMessage | None:
    """The reply as one message; ``leave_out_poll`` drops that poll's drawing (its own message shows it).

    Returns ``None`` when nothing is left to send.
    """
    items = [b for b in reply.blocks if not (isinstance(b, PollView) and b.poll_id == leave_out_poll)]
    return render_blocks(items) if items else None


def render_poll(view: PollView) -> SlackMessage:
    """The poll's own message, drawn the same way when it is posted and every time it is updated."""
    return render_blocks([view])
