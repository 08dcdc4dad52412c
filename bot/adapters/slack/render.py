"""Reply → Slack message: Block Kit blocks plus the ``text`` fallback, within Slack's limits.

Every piece of text comes from the core as plain text. It goes out either as ``plain_text``
(headers, buttons), which Slack never parses, or as ``mrkdwn`` passed through
:func:`~bot.core.escaping.escape_slack`, so ``<!channel>``, ``<@U…>`` and ``<url|label>`` stay inert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.escaping import escape_slack
from bot.core.render_text import bar, poll_status, render_text
from bot.core.reply import Block, Button, Context, Fields, PollView, Quote, Reply, Text, Title

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_BUTTON = 75
MAX_VALUE = 2000
MAX_FALLBACK = 3000
"""Slack truncates ``text`` past 40,000 characters; notifications show far less, so keep it short."""

SlackBlock = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """What ``chat.postMessage``, ``chat.update`` and a ``response_url`` take: ``text`` and ``blocks``."""

    text: str
    blocks: list[SlackBlock] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escaped(text: str, limit: int) -> str:
    """``text`` escaped for mrkdwn and cut to ``limit`` characters without splitting an entity."""
    whole = escape_slack(text)
    if len(whole) <= limit:
        return whole
    out: list[str] = []
    used = 0
    for char in text:
        piece = escape_slack(char)
        if used + len(piece) > limit - 1:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out) + "…"


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = MAX_SECTION) -> dict[str, Any]:
    """An mrkdwn text object; ``text`` must already be escaped (see :func:`escaped`)."""
    return {"type": "mrkdwn", "text": text[:limit] or " ", "verbatim": True}


def section(text: str) -> SlackBlock:
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> SlackBlock:
    return {"type": "context", "elements": [mrkdwn(escaped(text, MAX_SECTION))]}


def button(item: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(item.label, MAX_BUTTON),
        "action_id": item.action_id,
        "value": item.action_id[:MAX_VALUE],
    }
    if item.style != "secondary":
        element["style"] = item.style
    if item.action_id.startswith("close:"):
        element["confirm"] = {
            "title": plain("Close this poll?", 100),
            "text": plain("Nobody can vote after it closes.", 300),
            "confirm": plain("Close poll", 30),
            "deny": plain("Keep it open", 30),
            "style": "danger",
        }
    return element


def poll_blocks(view: PollView) -> list[SlackBlock]:
    """A poll: question, one bar per option, status, and one button per option plus Close while open."""
    lines = [
        f"`{bar(option.share)}` {option.share:>4.0%}  ({option.votes})  {escaped(option.label, 200)}"
        for option in view.options
    ]
    blocks = [
        section(f"*Poll #{view.poll_id}: {escaped(view.question, 400)}*"),
        section("\n".join(lines)),
        context(poll_status(view)),
    ]
    if view.buttons:
        blocks.append(
            {"type": "actions", "block_id": f"poll-{view.poll_id}", "elements": [button(b) for b in view.buttons[:25]]}
        )
    return blocks


def block(item: Block) -> list[SlackBlock]:
    """One neutral block as Slack blocks."""
    if isinstance(item, Title):
        return [{"type": "header", "text": plain(item.text, MAX_HEADER)}]
    if isinstance(item, Text):
        return [section(escaped(item.text, MAX_SECTION))]
    if isinstance(item, Quote):
        label = "*Quote*" if item.claim_kind == "quote" else "*Paraphrase*"
        said = f"“{item.text}”" if item.claim_kind == "quote" else item.text
        return [section(f"{label}  {escaped(said, MAX_SECTION - 20)}"), context(f"— {item.attribution}")]
    if isinstance(item, Fields):
        fields = [mrkdwn(f"*{escaped(f.name, 300)}*\n{escaped(f.value, MAX_FIELD - 310)}") for f in item.fields]
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
