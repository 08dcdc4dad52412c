"""Autocomplete choices for commentator, topic and preset options, computed once and answered from memory.

Discord gives autocomplete no deferral, so nothing here touches the database or the network.
The submitted value is not guaranteed to be a choice: the core re-validates it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.registry import Registry
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.names import NameIndex
from bot.knowledge.words import fold

MAX_CHOICES = 25
MAX_CHOICE_LENGTH = 100
FUZZY_CUTOFF = 70.0


@dataclass(frozen=True)
class Choice:
    """What the user sees (``name``) and what the command receives (``value``)."""

    name: str
    value: str


@dataclass(frozen=True)
class _Entry:
    choice: Choice
    keys: tuple[str, ...]


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CHOICE_LENGTH else text[: MAX_CHOICE_LENGTH - 1] + "…"


def _entry(name: str, value: str, words: Iterable[str]) -> _Entry:
    keys = tuple(dict.fromkeys(key for key in (fold(word) for word in (name, value, *words)) if key))
    return _Entry(Choice(_cut(name), value[:MAX_CHOICE_LENGTH]), keys)


class Autocomplete:
    """Choices for each autocomplete hint of the command registry (``commentator``, ``topic``, ``preset``)."""

    def __init__(self, kb: KnowledgeBase, names: NameIndex | None = None) -> None:
        self._names = names or NameIndex(kb.commentators.values())
        self._entries: dict[str, list[_Entry]] = {
            "commentator": [_entry(c.name, c.id, (*c.aliases, *c.name.split())) for c in kb.commentators.values()],
            "topic": [_entry(t.label, t.id, t.synonyms) for t in kb.topics.values()],
            "preset": [_entry(p.question, p.id, ()) for p in kb.presets.values()],
        }

    def choices(self, hint: str | None, typed: str) -> list[Choice]:
        """At most 25 choices for what has been typed so far: prefix matches, then substrings, then typos."""
        entries = self._entries.get(hint or "", [])
        key = fold(typed)
        if not key:
            return [entry.choice for entry in entries[:MAX_CHOICES]]
        resolved: list[_Entry] = []
        if hint == "commentator":
            # The one name resolver first: "dr ng", "lee kai-fu", "dave" find the person /whosays would.
            match = self._names.match(typed)
            people = [match.commentator.id] if match.commentator else list(match.suggestions)
            resolved = [e for person in people for e in entries if e.choice.value == person]
        prefix = [e for e in entries if e not in resolved and any(k.startswith(key) for k in e.keys)]
        ranked = (
            resolved + prefix + [e for e in entries if e not in resolved + prefix and any(key in k for k in e.keys)]
        )
        if not ranked:
            keys = {k: index for index, e in enumerate(entries) for k in e.keys}
            found = process.extract(key, list(keys), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None)
            ranked = list(dict.fromkeys(entries[keys[k]] for k, _, _ in found))
        return [entry.choice for entry in ranked[:MAX_CHOICES]]


def hint_for(registry: Registry, command: str, subcommand: str | None, option: str | None) -> str | None:
    """The registry's autocomplete hint for ``option`` of ``/command [subcommand]``, if any."""
    found = registry.get(command)
    if found is not None and subcommand is not None:
        found = found.subcommand(subcommand)
    arg = found.arg(option) if found is not None and option is not None else None
    return arg.autocomplete if arg is not None else None
