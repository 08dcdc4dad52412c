"""Answering free-form questions with cited claims: SQLite FTS5 (bm25, Porter stemming) over curated data.

Each claim is indexed with its text, its curated keywords and example questions, its topics' words, and its
commentator's position and lean where the claim backs them. A question is answered only when its informative words
are covered by the debate's vocabulary, not because it shares one word with the article ("capital" of France,
potato "chips"): see :data:`MIN_COVERAGE`, measured on the evaluation set (``make eval``).

The index is an in-memory SQLite database built once from the knowledge base; a query takes well under a millisecond.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from bot.knowledge.base import CitedClaim, KnowledgeBase
from bot.knowledge.models import Commentator
from bot.knowledge.names import NameIndex
from bot.knowledge.phrases import lean_tag, lean_words, loosely_in, parts_in
from bot.knowledge.question import Question, read_question
from bot.knowledge.words import STOPWORDS, is_english, specificity, words_of, zipf

MAX_ANSWERS = 5
MAX_PER_PERSON = 2
"""When no one is named, each commentator shows at most this many claims, so several voices are heard."""
MIN_COVERAGE = 0.55
"""Share of a question's informative words (weighted by how specific they are) the debate's vocabulary must cover."""
COMMON_SHARE = 0.3
"""A word found in more than this share of claims ("china", "ai") cannot make a claim relevant on its own."""
MIN_COVERAGE_NAMED = 0.35
"""The same for a question naming a commentator: only their claims can answer, so the risk of a wrong answer is low."""
RELATIVE_SCORE = 0.35
"""Answers scoring below this share of the best answer are dropped as noise."""
TYPO_SCORE = 84.0
GENERIC_ZIPF = 4.5
"""A word at least this common in English (Zipf scale) found only in a claim's running text is neutral."""
NEUTRAL_ZIPF = 5.5
"""A word at least this common in English that the debate does not use is neutral ("good", "time")."""
PHRASE_WEIGHT = 1.5
FILLER_TYPO_SCORE = 80.0
EXAMPLE_SCORE = 90.0
"""A question this close (0–100) to one of a claim's example questions is answered by that claim's person first."""
RARE_ZIPF = 3.5
"""Only words rarer than this in English may be misspellings of a debate word."""
BRITISH = (("isation", "ization"), ("ise", "ize"), ("ised", "ized"), ("ising", "izing"), ("our", "or"), ("yse", "yze"))
"""A non-English word this close (0–100) to one word of the debate is read as that word misspelt."""
COLUMNS = ("text", "keywords", "questions", "topics", "context")
WEIGHTS = (1.0, 1.2, 0.8, 0.6, 0.5)
"""bm25 weight of each column: the claim's own words and curated keywords count most."""

Outcome = Literal["answered", "nothing", "out-of-scope", "person-silent", "outsider", "relation-nobody"]


@dataclass(frozen=True)
class Answer:
    """One cited claim answering a question, with its relevance score (higher is better)."""

    cited: CitedClaim
    score: float


@dataclass(frozen=True)
class SearchResult:
    """The answers to a question (best first, grouped by person), how it was read, and why it has no answer."""

    answers: tuple[Answer, ...]
    question: Question
    outcome: Outcome = "answered"
    related: tuple[Answer, ...] = ()
    """For a question about someone the knowledge base lacks: what the commentators say on its topic."""

    @property
    def named(self) -> tuple[str, ...]:
        """Ids of the commentators the question names; answers are limited to them."""
        return self.question.named

    @property
    def people(self) -> tuple[str, ...]:
        """The commentators answering, each once, in order."""
        return tuple(dict.fromkeys(a.cited.commentator.id for a in self.answers))


class ClaimSearch:
    """Answers free-form questions with cited claims, or with nothing when nothing is relevant."""

    def __init__(self, kb: KnowledgeBase, names: NameIndex) -> None:
        self._kb = kb
        self._names = names
        self._ids: list[str] = list(kb.claims)
        self._row = {claim_id: rowid for rowid, claim_id in enumerate(self._ids)}
        self._common = COMMON_SHARE * len(self._ids)
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            f"CREATE VIRTUAL TABLE claims USING fts5({', '.join(COLUMNS)}, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        vocabulary: set[str] = set()
        for rowid, cited in enumerate(kb.claims.values()):
            row = self._document(cited)
            vocabulary.update(word for column in row for word in words_of(column))
            insert = f"INSERT INTO claims(rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})"
            self._db.execute(insert, (rowid, *row))
        self._vocabulary = sorted(w for w in vocabulary if w.isalpha() and len(w) >= 4)
        self._filler = sorted(w for w in STOPWORDS if len(w) >= 5)
        zipf("the")  # loads wordfreq's English list now rather than on the first question
        examples = [(" ".join(words_of(q)), claim_id) for claim_id, c in kb.claims.items() for q in c.claim.questions]
        self._examples = [text for text, _ in examples]
        self._example_claims = [claim_id for _, claim_id in examples]
        """Each claim's example questions, folded, and (same index) the claim they belong to."""
        self._lean_phrases = [
            (lean_words(words_of(phrase)), lean_tag(option.id))
            for preset in kb.presets.values()
            for option in preset.options
            for phrase in option.phrases
            if lean_words(words_of(phrase))
        ]
        self._outsiders = {key: person.name for person in kb.outsiders for key in person.keys}
        self._equivalents = {word: meaning for word, meaning in kb.vocabulary.equivalents.items() if " " not in word}
        idioms = [(tuple(words_of(phrase)), meaning) for phrase, meaning in kb.vocabulary.equivalents.items()]
        self._idioms = sorted((item for item in idioms if len(item[0]) > 1), key=lambda item: -len(item[0]))
        """Phrases read as one debate word ("uncle sam" → us, "comes out on top" → winner), longest first."""
        self._out_of_scope = [
            tuple(tuple(words_of(part)) for part in entry.split("*")) for entry in kb.vocabulary.out_of_scope
        ]
        """Each entry as its parts: "how much * cost" is "how much", then "cost" a few words later."""
        curated = [s for t in kb.topics.values() for s in t.synonyms]
        curated += [k for cited in kb.claims.values() for k in cited.claim.keywords]
        self._phrases = {
            phrase
            for text in curated
            if len(phrase := tuple(words_of(text))) > 1 and any(word in STOPWORDS for word in phrase)
        }
        """Curated phrases made partly of words a question drops as filler ("take over", "does nothing")."""

    def _document(self, cited: CitedClaim) -> tuple[str, str, str, str, str]:
        claim, person = cited.claim, cited.commentator
        topic_words = [
            " ".join((t.id.replace("-", " "), t.label, *t.synonyms)) for t in (self._kb.topics[i] for i in claim.topics)
        ]
        context = [person.positions[t] for t in claim.topics if t in person.positions]
        for lean in person.leans.values():
            if lean.claim == claim.id:
                context += [lean.rationale, lean_tag(lean.option)]
        return (
            claim.text,
            " ; ".join(claim.keywords),
            " ; ".join(claim.questions),
            " ; ".join(topic_words),
            " ; ".join(context),
        )

    @lru_cache(maxsize=8192)  # noqa: B019  (the search lives as long as the process; words repeat)
    def _rows(self, term: str) -> frozenset[int]:
        rows = self._db.execute("SELECT rowid FROM claims WHERE claims MATCH ?", (f'"{term}"',)).fetchall()
        return frozenset(row[0] for row in rows)

    def known(self, word: str) -> bool:
        """Whether ``word`` (any form: Porter stemming) is part of the debate's vocabulary."""
        return bool(self._rows(word)) or self._equivalents.get(word) is not None

    @lru_cache(maxsize=8192)  # noqa: B019
    def _in_columns(self, term: str, columns: str) -> bool:
        query = f'{{{columns}}} : "{term}"'
        return bool(self._db.execute("SELECT 1 FROM claims WHERE claims MATCH ? LIMIT 1", (query,)).fetchone())

    def _curated(self, term: str) -> bool:
        """Whether ``term`` is among the curated words (keywords, topics), not only in running text."""
        return self._in_columns(term, "keywords topics")

    def _corrected(self, word: str) -> str | None:
        """``word`` as the debate words it: itself, its equivalent ("beijing" → china), a British spelling
        ("prioritise"), a misspelling fixed ("compte" → compute), or ``None``."""
        if word in self._equivalents:
            return self._equivalents[word]
        if self._rows(word):
            return word
        for british, american in BRITISH:
            if word.endswith(british) and self._rows(american := word[: -len(british)] + american):
                return american
        if len(word) < 4 or not word.isalpha() or zipf(word) >= RARE_ZIPF:
            return None
        found = process.extract(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE, limit=2)
        if not found or (len(found) == 2 and found[1][1] == found[0][1] and found[1][0] != found[0][0]):
            return None
        fixed = str(found[0][0])
        # A real but rare word is only read as a slip for a much more common one ("goverment" → government).
        return fixed if not is_english(word) or zipf(fixed) >= zipf(word) + 2 else None

    def read(self, question: str) -> Question:
        """The question as :mod:`bot.knowledge.question` reads it, with this knowledge base's vocabulary."""
        words = list(words_of(question))
        for phrase, meaning in self._idioms:
            size = len(phrase)
            i = 0
            while i + size <= len(words):
                if tuple(words[i : i + size]) == phrase:
                    words[i : i + size] = [meaning]
                i += 1
        text = " ".join(words)
        return read_question(text, self._names, known=self.known, outsiders=self._outsiders)

    def search(self, question: str, limit: int = MAX_ANSWERS) -> SearchResult:
        """Return the claims relevant to ``question``, best first, or why there are none."""
        q = self.read(question)
        if q.outsider is not None and not q.named:
            # Say who is missing; what the commentators say on the topic goes beside it, labelled as such.
            related = self._answer(replace(q, outsider=None), limit)
            return SearchResult((), q, "outsider", related=related.answers)
        return self._answer(q, limit)

    def _answer(self, q: Question, limit: int) -> SearchResult:
        if q.relation is not None:
            return self._relation(q, limit)
        terms, coverage = self._terms(q)
        tags = self._lean_tags(q.words)
        if not q.content and not tags:
            if not q.named:
                return SearchResult((), q, "nothing")
            featured = [Answer(self._kb.claims[c.id], 0.0) for p in q.named for c in self._kb.featured(self._person(p))]
            return SearchResult(tuple(featured[:limit]), q)
        if any(parts_in(parts, q.words) for parts in self._out_of_scope):
            return SearchResult((), q, "out-of-scope")
        silent: Outcome = "person-silent" if q.named else "nothing"
        if coverage < (MIN_COVERAGE_NAMED if q.named else MIN_COVERAGE) and not tags:
            return SearchResult((), q, silent)
        if q.named and tags:
            # "Does LeCun think the US is losing?": their recorded lean answers it, whichever way it goes.
            leans = [self._kb.claims[lean.claim] for p in q.named for lean in self._person(p).leans.values()]
            return SearchResult(tuple(Answer(cited, 1.0) for cited in leans[:limit]), q)
        ranked = self._rank([*terms, *tags], allowed=self._allowed(q))
        answers = self._select(ranked, [*terms, *tags], limit, per_person=limit if q.named else MAX_PER_PERSON)
        if answers and (asked := self._example_asked(q)) is not None:
            # Asked almost word for word as one of a claim's example questions: that claim's person speaks first.
            first = [a for a in answers if a.cited.commentator.id == asked.commentator.id]
            answers = first + [a for a in answers if a not in first] if first else answers
        return SearchResult(tuple(answers), q, "answered" if answers else silent)

    def _example_asked(self, q: Question) -> CitedClaim | None:
        found = process.extractOne(" ".join(q.words), self._examples, scorer=fuzz.ratio, score_cutoff=EXAMPLE_SCORE)
        return self._kb.claims[self._example_claims[found[2]]] if found else None  # (example, score, index)

    def _person(self, person_id: str) -> Commentator:
        return self._kb.commentators[person_id]

    def _terms(self, q: Question) -> tuple[list[str], float]:
        """The searchable terms of a question and how much of it (0–1) the debate covers.

        Each content word is *covered* (a curated word, or a specific word of a claim), *foreign* (the debate does
        not use it: "france", "teeth") or *neutral* (an everyday word such as "good" or "called" that says little
        either way). Coverage weighs covered against foreign words by how specific each is.
        """
        terms: list[str] = []
        covered = foreign = 0.0
        for word in q.content:
            weight = specificity(word)
            term = self._corrected(word)
            if term is None:
                foreign += 0.0 if zipf(word) >= NEUTRAL_ZIPF or self._misspelt_filler(word) else weight
                continue
            terms.append(term)
            if zipf(word) >= NEUTRAL_ZIPF and term == word:
                continue  # "good", "called": found somewhere, but they say nothing about the subject
            specific = zipf(word) < GENERIC_ZIPF and self._in_columns(term, "text context")
            if term != word or self._curated(term) or specific:
                covered += weight
            # else: only in an example question, or an everyday word of a claim: it says nothing either way
        for phrase in self._curated_phrases(q.words):
            terms.append(" ".join(phrase))
            covered += PHRASE_WEIGHT
        return terms, (covered / (covered + foreign) if covered else 0.0)

    def _misspelt_filler(self, word: str) -> bool:
        """A misspelt question word or filler ("menshions", "thinkz"): it says nothing either way."""
        if zipf(word) >= RARE_ZIPF or len(word) < 5:
            return False
        return process.extractOne(word, self._filler, scorer=fuzz.ratio, score_cutoff=FILLER_TYPO_SCORE) is not None

    def _curated_phrases(self, words: tuple[str, ...]) -> list[tuple[str, ...]]:
        return [
            words[i : i + size]
            for size in (2, 3, 4)
            for i in range(len(words) - size + 1)
            if words[i : i + size] in self._phrases
        ]

    def _lean_tags(self, words: tuple[str, ...]) -> list[str]:
        """Lean tags for the options a question words ("the yanks are still toast" → the US is losing)."""
        words = lean_words(self._equivalents.get(word, word) for word in words)
        return list(dict.fromkeys(tag for phrase, tag in self._lean_phrases if loosely_in(phrase, words)))

    def _allowed(self, q: Question) -> set[str]:
        people = set(q.named) if q.named else set(self._kb.commentators)
        return people - set(q.excluded)

    def _relevant(self, terms: list[str]) -> frozenset[int]:
        """Claims matching an informative term; a word found in many claims ("china", "ai") alone is not enough."""
        matching = [self._rows(term) for term in dict.fromkeys(terms)]
        informative = [rows for rows in matching if 0 < len(rows) <= self._common]
        if informative:
            return frozenset().union(*informative)
        return frozenset.intersection(*matching) if matching else frozenset()

    def _rank(self, terms: list[str], *, allowed: set[str]) -> list[Answer]:
        expression = " OR ".join(f'"{term}"' for term in dict.fromkeys(terms) if self._rows(term))
        relevant = self._relevant(terms)
        if not expression or not relevant:
            return []
        weights = ", ".join(str(w) for w in WEIGHTS)
        rows = self._db.execute(
            f"SELECT rowid, bm25(claims, {weights}) AS rank FROM claims WHERE claims MATCH ? ORDER BY rank",
            (expression,),
        ).fetchall()
        answers = [
            Answer(self._kb.claims[self._ids[rowid]], round(-rank, 4)) for rowid, rank in rows if rowid in relevant
        ]
        return [a for a in answers if a.cited.commentator.id in allowed]

    def _select(self, ranked: list[Answer], terms: list[str], limit: int, *, per_person: int) -> list[Answer]:
        """The best answers, grouped by person: first whoever covers most of the question's informative terms
        (a question on two topics is best answered by someone who speaks to both), then by best score."""
        if not ranked:
            return []
        floor = ranked[0].score * RELATIVE_SCORE
        kept = [a for a in ranked if a.score >= floor]
        informative = [self._rows(t) for t in dict.fromkeys(terms) if 0 < len(self._rows(t)) <= self._common]
        covers: dict[str, set[int]] = {}
        best: dict[str, float] = {}
        for answer in kept:
            person, row = answer.cited.commentator.id, self._row[answer.cited.claim.id]
            covers.setdefault(person, set()).update(i for i, rows in enumerate(informative) if row in rows)
            best[person] = max(best.get(person, 0.0), answer.score)
        order = sorted(best, key=lambda p: (-len(covers[p]), -best[p]))
        chosen = [a for person in order for a in [x for x in kept if x.cited.commentator.id == person][:per_person]]
        return chosen[:limit]

    def _relation(self, q: Question, limit: int) -> SearchResult:
        """ "Who agrees / disagrees with X (on T)?": from the recorded leans, narrowed to topic T when one is given."""
        assert q.relation is not None
        kind, reference = q.relation
        others = [c for c in self._kb.commentators.values() if c.id != reference and c.id not in q.excluded]
        mine = {p: lean.option for p, lean in self._person(reference).leans.items()}
        people = [
            c
            for c in others
            if any((c.leans[p].option == option) == (kind == "agree") for p, option in mine.items() if p in c.leans)
        ]
        terms, coverage = self._terms(q)
        answers: list[Answer] = []
        if terms and coverage >= MIN_COVERAGE:
            # On a topic the knowledge base records no agreement, only what each says: the others who speak to it
            # come first, then the person's own claim on it, side by side for the reader to judge.
            ranked = self._rank(terms, allowed={c.id for c in others})
            answers = self._select(ranked, terms, limit - 1, per_person=1)
            if answers:
                answers += self._select(self._rank(terms, allowed={reference}), terms, 1, per_person=1)
        if not answers:  # no topic, or one the debate does not cover: the recorded leans answer it
            answers = [
                Answer(self._kb.claims[lean.claim], 1.0)
                for c in people
                for lean in c.leans.values()
                if lean.claim in self._kb.claims
            ][:limit]
        return SearchResult(tuple(answers), q, "answered" if answers else "relation-nobody")
