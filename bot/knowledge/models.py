"""Pydantic models of the knowledge base files under ``knowledge/``.

Each model validates one file's shape; cross-file references (topics, sources,
poll options, claim ids) are checked by :mod:`bot.knowledge.loader`, which sees
every file at once.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from bot.knowledge.words import fold

Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$"),
]
"""Lower-case ids such as ``lecun``, ``open-source`` or ``lecun-open-beats-proprietary``."""


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Alias = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=75)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
ClaimText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]

CLAIM_KINDS = ("quote", "paraphrase")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Topic(_Frozen):
    """A subject the commentators speak to, with the words people use for it."""

    id: Slug
    label: Label
    synonyms: tuple[Alias, ...] = ()


class Source(_Frozen):
    """Where claims come from. Only what the source itself gives: no invented URL or date."""

    id: Slug
    title: ShortText
    author: Name
    note: ShortText | None = None


class PollOption(_Frozen):
    id: Slug
    label: Label
    phrases: tuple[Alias, ...] = ()
    """How people word this answer in a question ("the us is losing"), so ``/ask`` can find who leans this way."""


class PollPreset(_Frozen):
    """A ready-made poll such as ``whos-losing``."""

    id: Slug
    question: Question
    options: tuple[PollOption, ...] = Field(min_length=2, max_length=10)


class Claim(_Frozen):
    """One idea attributed to a commentator by a source.

    ``kind`` is ``quote`` only when the source prints the person's own words in
    quotation marks; everything else is a ``paraphrase`` and is always shown as one.
    """

    id: Slug
    text: ClaimText
    kind: Literal["quote", "paraphrase"]
    topics: tuple[Slug, ...] = Field(min_length=1)
    source: Slug
    featured: bool = False
    keywords: tuple[Alias, ...] = ()
    """Words people use for what the claim is about but the claim's text does not ("gpus", "money")."""
    questions: tuple[Question, ...] = ()
    """Example questions the claim answers, worded as people ask them; searched like keywords."""


class Lean(_Frozen):
    """The knowledge base's reading of where a commentator leans on a poll preset."""

    option: Slug
    claim: Slug
    rationale: ShortText


class Commentator(_Frozen):
    """One person whose positions the bot can cite."""

    id: Slug
    name: Name
    aliases: tuple[Alias, ...] = ()
    summary: Summary
    positions: dict[Slug, ShortText] = Field(default_factory=dict)
    leans: dict[Slug, Lean] = Field(default_factory=dict)
    claims: tuple[Claim, ...] = Field(min_length=1)

    @field_validator("aliases")
    @classmethod
    def _aliases_have_letters(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for alias in value:
            if not re.search(r"[^\W\d_]", alias):
                raise ValueError(f"alias {alias!r} has no letters")
        return value


class Outsider(_Frozen):
    """A person people may ask about whom the knowledge base does not cover (so ``/ask`` says so)."""

    name: Name
    aliases: tuple[Alias, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The folded forms (no spaces) that name this person in a question."""
        forms = (self.name, *self.aliases)
        return tuple(dict.fromkeys(key for form in forms if len(key := fold(form)) >= 3))


Word = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]


class Vocabulary(_Frozen):
    """How people word the debate beyond the claims' own words (``vocabulary.yaml``)."""

    equivalents: dict[Alias, Word] = Field(default_factory=dict)
    """An everyday word or phrase → the debate's word for it (``beijing`` → ``china``, ``uncle sam`` → ``us``)."""
    out_of_scope: tuple[Alias, ...] = ()
    """Words asking for facts the source does not give (prices, dates, founders): such questions are refused."""


class OutsidersFile(_Frozen):
    people: tuple[Outsider, ...] = ()


class TopicsFile(_Frozen):
    topics: tuple[Topic, ...] = Field(min_length=1)


class SourcesFile(_Frozen):
    sources: tuple[Source, ...] = Field(min_length=1)


class PollsFile(_Frozen):
    presets: tuple[PollPreset, ...] = Field(min_length=1)
