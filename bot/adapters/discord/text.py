"""Discord's text limits, and cutting escaped user text to them."""

from __future__ import annotations

from bot.core.escaping import escape_discord

MAX_CONTENT, MAX_TITLE, MAX_DESCRIPTION, MAX_FOOTER = 2000, 256, 4096, 2048


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending in … when cut (never in a dangling backslash escape)."""
    if len(text) <= limit:
        return text
    kept = text[: limit - 1]
    if (len(kept) - len(kept.rstrip("\\"))) % 2:
        kept = kept[:-1]
    return kept + "…"


def esc(text: str, limit: int) -> str:
    """User text made inert and cut to ``limit``."""
    return cut(escape_discord(text), limit)
