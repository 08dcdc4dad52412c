"""The one name resolver: what users type for a commentator, in a command or inside a question.

It is used by ``/whosays``, ``/compare``, ``/ask`` and autocomplete alike. It forgives what people really type
(titles such as ``Dr``, ``@handles``, possessives, "surname, given" and surname-first orders, initials, one or two
typos) but never guesses between two people: a typed word that fits nobody's name ("andrew *yang*") or a typo as close
to one person as to another gives suggestions, not an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from bot.knowledge.models import Commentator
from bot.knowledge.words import fold

ACCEPT_SCORE = 80.0
"""A fuzzy match at least this good (0–100) is taken as the person meant."""
MARGIN = 8.0
"""...unless another person scores within this margin: then it is ambiguous and only suggested."""
SUGGEST_SCORE = 0.7
"""Jaro-Winkler similarity (0–1) from which a person is suggested; it favours a shared start, as names typed."""
MAX_SUGGESTIONS = 3
MIN_FUZZY_LENGTH = 3
"""Shorter input is matched exactly or not at all: "le" could be LeCun or Lee."""
TEXT_FUZZY_LENGTH = 5
"""Inside a question only longer words are read as a misspelt name ("lecunn"), never "long" as "ng"."""
TEXT_FUZZY_SCORE = 85.0

TITLES = frozenset("dr doctor prof professor mr mister mrs ms miss mx sir dame madam".split())
"""Words people put before a name that say nothing about who is meant."""

_SPLIT = re.compile(r"[\s\-._/]+")
_TEXT_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s?$")


def name_words(text: str) -> list[str]:
    """The folded words of a typed name: handles, titles and possessives removed, "surname, given" reordered."""
    text = text.strip().lstrip("@")
    if text.count(",") == 1:
        surname, given = text.split(",")
        text = f"{given} {surname}"
    words = [fold(_POSSESSIVE.sub("", word)) for word in _SPLIT.split(text)]
    return [word for word in words if word and word not in TITLES]


@dataclass(frozen=True)
class NameMatch:
    """The person meant (or ``None``) and up to three ids to suggest instead."""

    commentator: Commentator | None
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    """A commentator named in free text, and the words ``[start, end)`` of the text that name them."""

    commentator: Commentator
    start: int
    end: int


class NameIndex:
    """Every commentator's id, name, aliases and name words, folded for matching."""

    def __init__(self, commentators: Iterable[Commentator]) -> None:
        self._by_id = {c.id: c for c in commentators}
        self._keys: dict[str, str] = {}
        self._words: dict[str, set[str]] = {}
        for commentator in self._by_id.values():
            names = [commentator.id, commentator.name, *commentator.aliases]
            self._words[commentator.id] = {word for name in names for word in name_words(name)}
            for name in (*names, *commentator.name.split()):
                key = "".join(name_words(name))
                if len(key) >= 2:
                    self._keys.setdefault(key, commentator.id)
        self._exact = dict(self._keys)
        for commentator in self._by_id.values():  # surname first: "Lee Kai-Fu", "Ng Andrew" (exact only)
            parts = name_words(commentator.name)
            self._exact.setdefault("".join(parts[-1:] + parts[:-1]), commentator.id)

    @property
    def keys(self) -> dict[str, str]:
        """Every exact form (folded, no spaces) and the id of the person it names."""
        return dict(self._exact)

    def match(self, query: str) -> NameMatch:
        """Resolve ``query`` to one commentator, never guessing between two."""
        words = name_words(query)
        key = "".join(words)
        if not key:
            return NameMatch(None, ())
        if key in self._exact:
            return NameMatch(self._by_id[self._exact[key]], ())
        if len(words) > 1 and (person := self._fits_one_person(words)) is not None:
            return NameMatch(self._by_id[person], ())
        if len(key) >= MIN_FUZZY_LENGTH:
            ranked = self._best_per_person(key, fuzz.ratio)
            top_id, top_score = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            if top_score >= ACCEPT_SCORE and top_score - runner_up >= MARGIN and self._every_word_fits(words, top_id):
                return NameMatch(self._by_id[top_id], ())
        if len(key) < MIN_FUZZY_LENGTH:  # "le": whoever has a name starting so, shortest name first
            starting = sorted((k for k in self._keys if k.startswith(key)), key=len)
            return NameMatch(None, tuple(dict.fromkeys(self._keys[k] for k in starting))[:MAX_SUGGESTIONS])
        similar = dict(self._best_per_person(key, JaroWinkler.normalized_similarity))
        closest = dict(self._best_per_person(key, fuzz.ratio))
        order = sorted(similar, key=lambda pid: -(similar[pid] + closest[pid] / 100))
        suggestions = tuple(pid for pid in order if similar[pid] >= SUGGEST_SCORE)[:MAX_SUGGESTIONS]
        return NameMatch(None, suggestions)

    def _word_fits(self, word: str, person_id: str) -> bool:
        known = self._words[person_id]
        if len(word) == 1:  # an initial: "a. ng", "k f lee"
            return any(name.startswith(word) for name in known)
        if word in known or max(fuzz.ratio(word, name) for name in known) >= ACCEPT_SCORE:
            return True
        # One slip (a swapped, missing or extra letter) in a longer word: "wnag", "kia".
        return len(word) >= 3 and min(DamerauLevenshtein.distance(word, name) for name in known) <= 1

    def fits(self, word: str, person_id: str) -> bool:
        """Whether the folded ``word`` could be part of this person's name as typed (a typo, an initial)."""
        return self._word_fits(word, person_id)

    def _every_word_fits(self, words: list[str], person_id: str) -> bool:
        """Each typed word is close to one of the person's name words: "andrew yang" is not Andrew Ng."""
        return len(words) < 2 or all(self._word_fits(word, person_id) for word in words)

    def _fits_one_person(self, words: list[str]) -> str | None:
        """The one person every typed word fits (with at least one full word), if exactly one.

        A single letter between two full words that fits nobody is a middle initial ("David O. Sacks").
        """
        if not any(len(word) > 1 for word in words):
            return None
        if len(words) >= 3:
            words = [w for i, w in enumerate(words) if len(w) > 1 or i in (0, len(words) - 1)]
        fitting = [pid for pid in self._by_id if self._every_word_fits(words, pid)]
        return fitting[0] if len(fitting) == 1 else None

    def _best_per_person(self, key: str, scorer: Any) -> list[tuple[str, float]]:
        best: dict[str, float] = {}
        for candidate, score, _ in process.extract(key, list(self._keys), scorer=scorer, limit=None):
            person = self._keys[candidate]
            best[person] = max(best.get(person, 0.0), float(score))
        return sorted(best.items(), key=lambda item: -item[1])

    def is_name_word(self, word: str) -> bool:
        """Whether ``word`` (folded) is part of some commentator's name or aliases."""
        return any(word in words for words in self._words.values())

    def mentions(self, words: list[str], *, common: frozenset[str] = frozenset()) -> list[Mention]:
        """Commentators named in a question's ``words`` (already folded), longest names first, in text order.

        A word in ``common`` (an ordinary word of the question's language) is never read as a misspelt name.
        """
        found: list[Mention] = []
        taken: set[int] = set()
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                span = range(start, start + size)
                if taken.intersection(span):
                    continue
                key = "".join(words[start : start + size])
                person = self._exact.get(key)
                if person is None and size == 1:
                    person = self._misspelt(key, common)
                if person is not None:
                    found.append(Mention(self._by_id[person], start, start + size))
                    taken.update(span)
        return sorted(found, key=lambda mention: mention.start)

    def _misspelt(self, word: str, common: frozenset[str]) -> str | None:
        if len(word) < TEXT_FUZZY_LENGTH or word in common:
            return None
        ranked = self._best_per_person(word, fuzz.ratio)
        top_id, top_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top_score >= TEXT_FUZZY_SCORE and top_score - runner_up >= MARGIN:
            return top_id
        # One slip in a long name ("sachs", "lecunn") when it fits one person only.
        close = {self._keys[key] for key in self._keys if len(key) >= TEXT_FUZZY_LENGTH and _one_slip(word, key)}
        return close.pop() if len(close) == 1 else None

    def mentioned_in(self, text: str) -> list[Commentator]:
        """Commentators named in free text (see :meth:`mentions`), each once."""
        words = [fold(_POSSESSIVE.sub("", word)) for word in _TEXT_WORD.findall(text)]
        people = {m.commentator.id: m.commentator for m in self.mentions([w for w in words if w])}
        return list(people.values())


def _one_slip(typed: str, name: str) -> bool:
    return DamerauLevenshtein.distance(typed, name, score_cutoff=1) <= 1
