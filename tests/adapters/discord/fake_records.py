"""What the fake Discord keeps: members, messages, interactions and gateway sessions, and how a reader sees them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.adapters.discord import payloads as p


@dataclass
class Actor:
    """Someone in the test guild, with their permissions in the test channel."""

    id: int
    name: str
    permissions: int = p.MEMBER

    def member(self) -> dict[str, Any]:
        return p.member(self.id, self.name, self.permissions)


@dataclass
class Message:
    id: int
    channel_id: int
    content: str | None = None
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    interaction_id: int | None = None
    allowed_mentions: list[Any] = field(default_factory=list)
    """What each create and edit of this message asked for (``None`` when the request had no such field)."""
    edits: int = 0
    deleted: bool = False
    guild_id: int = p.GUILD_ID

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & p.EPHEMERAL)

    def apply(self, data: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components"):
            if key in data:
                setattr(self, key, data[key] if data[key] is not None else ([] if key != "content" else None))
        if "flags" in data and data["flags"] is not None:
            self.flags = (self.flags & p.EPHEMERAL) | (data["flags"] & ~p.LOADING)
        else:
            self.flags &= ~p.LOADING
        self.allowed_mentions.append(data.get("allowed_mentions"))

    def json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "guild_id": str(self.guild_id),
            "author": p.BOT_USER,
            "content": self.content or "",
            "timestamp": p.now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": self.embeds,
            "pinned": False,
            "type": 20 if self.interaction_id else 0,
            "flags": self.flags,
            "components": self.components,
            "application_id": str(p.APP_ID),
            "webhook_id": str(p.APP_ID) if self.interaction_id else None,
        }


@dataclass
class Interaction:
    """An interaction the fake dispatched, and how the bot answered it."""

    id: int
    token: str
    kind: int
    sent_at: float
    callbacks: list[tuple[int, int | None, float]] = field(default_factory=list)
    """``(HTTP status, callback type, seconds after dispatch)`` for every initial-response attempt."""
    acknowledged: bool = False
    deferred: bool = False
    messages: list[int] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    guild_id: int = p.GUILD_ID
    channel_id: int = p.CHANNEL_ID

    @property
    def latency(self) -> float:
        """Seconds from dispatch to the accepted initial response."""
        return next(seconds for status, _, seconds in self.callbacks if status == 200)


@dataclass
class Session:
    id: str
    shard: tuple[int, int]
    ws: web.WebSocketResponse
    seq: int = 0
    connected: asyncio.Event = field(default_factory=asyncio.Event)


def buttons(message: Message) -> list[dict[str, Any]]:
    """The buttons on ``message``, in order."""
    return [c for row in message.components for c in row.get("components", []) if c.get("type") == 2]


def message_text(message: Message) -> str:
    """Everything a reader sees in ``message``: content, then each embed's title, description, fields and footer."""
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(part for part in parts if part)


def unescape(text: str) -> str:
    """``text`` as Discord displays it: markdown escapes and zero-width spaces removed."""
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and not text[index + 1].isalnum():
            out.append(text[index + 1])
            index += 2
            continue
        if char != "\u200b":
            out.append(char)
        index += 1
    return "".join(out)
