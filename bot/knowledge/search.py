"""Full-text search over claims: SQLite FTS5 with bm25 ranking, Porter stemming and topic synonyms.

The index is an in-memory SQLite database built once from the knowledge base. It is
tiny (one row per claim), so a query takes microseconds and is run inline.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from bot.knowledge.base import CitedClaim, KnowledgeBase
from bot.knowledge.names import NameIndex, fold

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be been being below between both but by can
    could did do does doing down during each few for from further had has have having he her here hers him his how i
    if in into is it its itself just me more most my no nor not now of off on once only or other our out over own
    same she should so some such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom whose why will with would you your yours
    think thinks thought say says said believe believes argue argues claim claims view views opinion position stance
    talk talks mention mentions anyone someone somebody anybody people person commentator commentators everyone
    s t d ll re ve m don doesn isn aren wasn tell know knowledge base kb""".split()
)
"""Words that say nothing about what a question is about."""

COMMON_SHARE = 0.3
"""A term found in more than this share of claims ("china", "ai") is too common to make a claim relevant alone."""

MAX_ANSWERS = 5
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Answer:
    """One cited claim answering a question, with its relevance score (higher is better)."""

    cited: CitedClaim
    score: float


@dataclass(frozen=True)
class SearchResult:
    answers: tuple[Answer, ...]
    named: tuple[str, ...]
    """Ids of the commentators the question names; answers are limited to them."""


class ClaimSearch:
    """Answers free-form questions with cited claims, or with nothing when nothing is relevant."""

    def __init__(self, kb: KnowledgeBase, names: NameIndex) -> None:
        self._kb = kb
        self._names = names
        self._ids: list[str] = list(kb.claims)
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE claims USING fts5(text, topics, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        for rowid, cited in enumerate(kb.claims.values()):
            topic_words = []
            for topic_id in cited.claim.topics:
                topic = kb.topics[topic_id]
                topic_words += [topic.id.replace("-", " "), topic.label, *topic.synonyms]
            self._db.execute(
                "INSERT INTO claims(rowid, text, topics) VALUES (?, ?, ?)",
                (rowid, cited.claim.text, " ; ".join(topic_words)),
            )

    def terms(self, question: str) -> list[str]:
        """The words of ``question`` that can make a claim relevant (stopwords and names removed)."""
        name_keys = {
            fold(word)
            for person in self._names.mentioned_in(question)
            for name in (person.id, person.name, *person.aliases)
            for word in _WORD.findall(name.casefold())
        }
        out: list[str] = []
        for word in _WORD.findall(question.casefold()):
            if word in STOPWORDS or fold(word) in name_keys or word in out:
                continue
            out.append(word)
        return out[:16]

    def _rows_matching(self, term: str) -> set[int]:
        rows = self._db.execute("SELECT rowid FROM claims WHERE claims MATCH ?", (f'"{term}"',)).fetchall()
        return {row[0] for row in rows}

    def search(self, question: str, limit: int = MAX_ANSWERS) -> SearchResult:
        """Return the claims relevant to ``question``, best first."""
        named = self._names.mentioned_in(question)
        named_ids = {c.id for c in named}
        terms = self.terms(question)
        if not terms:
            if not named:
                return SearchResult((), ())
            featured = [Answer(self._kb.claims[claim.id], 0.0) for c in named for claim in self._kb.featured(c)]
            return SearchResult(tuple(featured[:limit]), tuple(named_ids))

        total = len(self._ids)
        matches = {term: self._rows_matching(term) for term in terms}
        informative = {t for t, rows in matches.items() if rows and len(rows) <= COMMON_SHARE * total}
        unmatched = {t for t, rows in matches.items() if not rows}
        relevant: set[int] = set()
        if informative:
            for term in informative:
                relevant |= matches[term]
        elif not unmatched:
            # Only common words, but every one of them: claims holding all of them are relevant.
            relevant = set.intersection(*(matches[t] for t in terms))

        expression = " OR ".join(f'"{term}"' for term in terms if matches[term])
        if not relevant or not expression:
            return SearchResult((), tuple(named_ids))
        ranked = self._db.execute(
            "SELECT rowid, bm25(claims, 1.0, 0.6) FROM claims WHERE claims MATCH ? ORDER BY bm25(claims, 1.0, 0.6)",
            (expression,),
        ).fetchall()
        answers: list[Answer] = []
        for rowid, bm25 in ranked:
            cited = self._kb.claims[self._ids[rowid]]
            if rowid not in relevant or (named_ids and cited.commentator.id not in named_ids):
                continue
            answers.append(Answer(cited, round(-bm25, 4)))
            if len(answers) == limit:
                break
        return SearchResult(tuple(answers), tuple(named_ids))
