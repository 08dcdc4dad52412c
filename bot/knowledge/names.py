"""Find a commentator from what a user typed: names, aliases, spacing and typos."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from bot.knowledge.models import Commentator

ACCEPT_SCORE = 80.0
"""A fuzzy match at least this good (0–100) is taken as the person meant."""
MARGIN = 8.0
"""...unless another person scores within this margin: then it is ambiguous and only suggested."""
SUGGEST_SCORE = 0.7
"""Jaro-Winkler similarity (0–1) from which a person is suggested; it favours a shared start, as names typed."""
MAX_SUGGESTIONS = 3


def fold(text: str) -> str:
    """Lower-case, strip accents and drop everything but letters and digits: ``Kai-Fu`` → ``kaifu``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


@dataclass(frozen=True)
class NameMatch:
    """The person meant (or ``None``) and up to three ids to suggest instead."""

    commentator: Commentator | None
    suggestions: tuple[str, ...]


class NameIndex:
    """Every commentator's id, name, name parts and aliases, folded for matching."""

    def __init__(self, commentators: Iterable[Commentator]) -> None:
        self._by_id = {c.id: c for c in commentators}
        self._keys: dict[str, str] = {}
        self._words: dict[str, set[str]] = {}
        for commentator in self._by_id.values():
            self._words[commentator.id] = {
                fold(word)
                for name in (commentator.id, commentator.name, *commentator.aliases)
                for word in re.split(r"[\s\-.]+", name)
                if fold(word)
            }
            names = [commentator.id, commentator.name, *commentator.aliases, *commentator.name.split()]
            for name in names:
                key = fold(name)
                if len(key) >= 2:
                    self._keys.setdefault(key, commentator.id)

    def match(self, query: str) -> NameMatch:
        """Resolve ``query`` to one commentator, never guessing between two."""
        key = fold(query)
        if not key:
            return NameMatch(None, ())
        if key in self._keys:
            return NameMatch(self._by_id[self._keys[key]], ())
        ranked = self._best_per_person(key, fuzz.ratio)
        top_id, top_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top_score >= ACCEPT_SCORE and top_score - runner_up >= MARGIN and self._every_word_fits(query, top_id):
            return NameMatch(self._by_id[top_id], ())
        similar = self._best_per_person(key, JaroWinkler.normalized_similarity)
        suggestions = tuple(pid for pid, score in similar if score >= SUGGEST_SCORE)[:MAX_SUGGESTIONS]
        return NameMatch(None, suggestions)

    def _every_word_fits(self, query: str, person_id: str) -> bool:
        """Each typed word is close to one of the person's name words: "andrew yang" is not Andrew Ng."""
        words = [fold(word) for word in re.split(r"[\s\-.]+", query) if fold(word)]
        if len(words) < 2:
            return True
        known = self._words[person_id]
        return all(max(fuzz.ratio(word, name) for name in known) >= ACCEPT_SCORE for word in words)

    def _best_per_person(self, key: str, scorer: Any) -> list[tuple[str, float]]:
        best: dict[str, float] = {}
        for candidate, score, _ in process.extract(key, list(self._keys), scorer=scorer, limit=None):
            person = self._keys[candidate]
            best[person] = max(best.get(person, 0.0), float(score))
        return sorted(best.items(), key=lambda item: -item[1])

    def mentioned_in(self, text: str) -> list[Commentator]:
        """Commentators named in free text, by exact (folded) name or alias of one to three words."""
        words = re.findall(r"[^\W_]+(?:[-'][^\W_]+)*", text)
        found: dict[str, Commentator] = {}
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                key = fold(" ".join(words[start : start + size]))
                person = self._keys.get(key)
                if person is not None and (size > 1 or len(key) >= 2):
                    found.setdefault(person, self._by_id[person])
        return list(found.values())
