"""Slack's message limits, checked the way Slack checks them (it answers ``invalid_blocks``).

Also the mention rules: anything Slack would parse (top-level ``text`` and ``mrkdwn`` objects) must not
contain live markup such as ``<!channel>`` or ``<@U…>``; ``plain_text`` is never parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

LIVE_MARKUP = re.compile(r"<[@#!]|<https?:|<mailto:")
LIMITS = {"header": 150, "section": 3000, "field": 2000, "button": 75, "value": 2000, "action_id": 255}


def text_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every text object (``{"type": "plain_text"|"mrkdwn", "text": …}``) inside a block tree."""
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item)


def live_markup(message: dict[str, Any]) -> list[str]:
    """The parsed text in a message that would ping, link or mention (should always be empty)."""
    parsed = [str(message.get("text") or "")]
    parsed += [t["text"] for t in text_objects(message.get("blocks") or []) if t["type"] == "mrkdwn"]
    return [text for text in parsed if LIVE_MARKUP.search(text)]


def message_problems(message: dict[str, Any]) -> list[str]:
    """What Slack would refuse in this message (empty when it is fine)."""
    blocks = message.get("blocks") or []
    problems: list[str] = []
    if not message.get("text") and not blocks:
        problems.append("no text and no blocks")
    if message.get("link_names") or message.get("parse") == "full":
        problems.append("link_names/parse=full must never be set for user text")
    if len(blocks) > 50:
        problems.append(f"{len(blocks)} blocks (limit 50)")
    action_ids: set[str] = set()
    for number, block in enumerate(blocks):
        problems += [f"block {number}: {p}" for p in _block_problems(block, action_ids)]
    return problems


def _block_problems(block: dict[str, Any], action_ids: set[str]) -> Iterator[str]:
    kind = block.get("type")
    if kind == "header":
        text = block["text"]
        if text["type"] != "plain_text" or len(text["text"]) > LIMITS["header"]:
            yield "header must be plain_text of at most 150 characters"
    elif kind == "section":
        if "text" in block and len(block["text"]["text"]) > LIMITS["section"]:
            yield f"section text is {len(block['text']['text'])} characters (limit 3000)"
        fields = block.get("fields") or []
        if len(fields) > 10 or any(len(f["text"]) > LIMITS["field"] for f in fields):
            yield "at most 10 fields of at most 2000 characters"
    elif kind == "context":
        if not 1 <= len(block.get("elements") or []) <= 10:
            yield "context needs 1 to 10 elements"
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            yield "actions need 1 to 25 elements"
        for element in elements:
            if element["text"]["type"] != "plain_text" or len(element["text"]["text"]) > LIMITS["button"]:
                yield "button text must be plain_text of at most 75 characters"
            if len(element.get("value", "")) > LIMITS["value"] or len(element["action_id"]) > LIMITS["action_id"]:
                yield "button value or action_id too long"
            if element["action_id"] in action_ids:
                yield f"duplicate action_id {element['action_id']}"
            action_ids.add(element["action_id"])
            if element.get("style") not in (None, "primary", "danger"):
                yield f"unknown button style {element.get('style')}"
    else:
        yield f"unexpected block type {kind}"
