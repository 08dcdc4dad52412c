"""A poll as Block Kit: its question, one bar per option, its status, and its buttons while it is open.

The question and the option labels are the poll creator's text, shown as typed (``plain_text``).
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.text import MAX_BUTTON, MAX_VALUE, SlackBlock, context, plain, section
from bot.core.render_text import bar, poll_status
from bot.core.reply import Button, PollView

MAX_BUTTONS = 25


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
    lines = [f"{bar(option.share)}  {option.share:>4.0%}  ({option.votes})  {option.label}" for option in view.options]
    blocks = [section(f"Poll #{view.poll_id}: {view.question}"), section("\n".join(lines)), context(poll_status(view))]
    if view.buttons:
        elements = [button(b) for b in view.buttons[:MAX_BUTTONS]]
        blocks.append({"type": "actions", "block_id": f"poll-{view.poll_id}", "elements": elements})
    return blocks
