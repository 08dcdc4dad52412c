"""The neutral reply: blocks every adapter can render, plus a plain-text fallback.

All text in blocks is plain text: renderers escape it for their platform, so user
text can never become a mention, a link or markup.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Block(BaseModel):
    model_config = ConfigDict(frozen=True)


class Title(_Block):
    kind: Literal["title"] = "title"
    text: str


class Text(_Block):
    kind: Literal["text"] = "text"
    text: str


class Quote(_Block):
    """A claim shown with who it is attributed to, whether it is a quote or a paraphrase, and its source."""

    kind: Literal["quote"] = "quote"
    person: str
    text: str
    claim_kind: Literal["quote", "paraphrase"]
    source: str
    claim_id: str

    @property
    def attribution(self) -> str:
        verb = "quoted in" if self.claim_kind == "quote" else "paraphrased in"
        return f"{self.person}, {verb} {self.source}"


class FieldItem(_Block):
    name: str
    value: str


class Fields(_Block):
    kind: Literal["fields"] = "fields"
    fields: tuple[FieldItem, ...]


class Button(_Block):
    label: str
    action_id: str
    """What pressing it sends back, e.g. ``vote:12:usa`` (see :mod:`bot.core.actions`)."""
    style: Literal["primary", "secondary", "danger"] = "secondary"


class PollOptionView(_Block):
    key: str
    label: str
    votes: int
    share: float
    """Share of all votes, 0.0–1.0."""


class PollView(_Block):
    """A poll's current state, with one button per option and a Close button while it is open."""

    kind: Literal["poll"] = "poll"
    poll_id: int
    question: str
    options: tuple[PollOptionView, ...]
    total_votes: int
    voters: int
    closed: bool
    anonymous: bool
    max_choices: int
    closes_at: datetime | None = None
    buttons: tuple[Button, ...] = ()


class Context(_Block):
    """Small print: sources, hints."""

    kind: Literal["context"] = "context"
    text: str


Block = Title | Text | Quote | Fields | PollView | Context


class Reply(BaseModel):
    """What the core answers. ``fallback`` is always filled (see :func:`reply`)."""

    model_config = ConfigDict(frozen=True)

    blocks: tuple[Block, ...] = Field(min_length=1)
    fallback: str = Field(min_length=1)
    ephemeral: bool = False
    error: bool = False
    changed_polls: tuple[int, ...] = ()
    """Polls whose messages must be redrawn after this reply (a vote, a close, a vote refused by a poll that
    closed): the core hands them to the shared :class:`~bot.core.redraw.Redrawer`."""

    @model_validator(mode="after")
    def _fallback_present(self) -> Reply:
        if not self.fallback.strip():
            raise ValueError("a reply needs a plain-text fallback")
        return self

    @property
    def poll(self) -> PollView | None:
        """The poll shown in this reply, if any."""
        return next((b for b in self.blocks if isinstance(b, PollView)), None)
