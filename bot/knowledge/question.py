"""Reading a free-form question: who it names, who it leaves out, who it asks about that the knowledge base lacks.

This is the part of ``/ask`` that understands the wording; :mod:`bot.knowledge.search` then finds the claims.
Everything here is a pure function of the question, the name resolver and the debate's vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.knowledge.names import TITLES, Mention, NameIndex
from bot.knowledge.words import STOPWORDS, words_of, zipf

Relation = Literal["agree", "disagree"]

EXCLUDE_BEFORE = frozenset("besides beside except excluding minus bar barring sans beyond ignoring without not".split())
"""A word right before a name that leaves the person out: "besides lecun, who…"."""
EXCLUDE_BEFORE_PAIRS = frozenset(
    {
        ("apart", "from"),
        ("aside", "from"),
        ("other", "than"),
        ("except", "for"),
        ("not", "counting"),
        ("not", "including"),
        ("outside", "of"),
        ("rather", "than"),
        ("else", "than"),
        ("else", "but"),
        ("ignoring", "the"),
        ("leaving", "out"),
        ("leave", "out"),
        ("not", "counting"),
        ("other", "then"),
    }
)
EXCLUDE_AFTER = frozenset({"aside"})
EXCLUDE_WORDS = frozenset(word for pair in EXCLUDE_BEFORE_PAIRS for word in pair) | EXCLUDE_AFTER
"""A word right after a name that leaves the person out: "lecun aside, who…"."""

DISAGREE_WORDS = frozenset(
    """disagree disagrees disagreeing disagreement against oppose opposes opposing opposite odds differ differs
    different contradict contradicts counter counters challenge challenges rebut rebuts refute refutes dispute
    disputes push pushes pushback unlike contrary""".split()
)
AGREE_WORDS = frozenset(
    """agree agrees agreeing agreement echo echoes echoing back backs backing support supports supporting share
    shares sharing same similar like alongside aligned aligns align endorse endorses second seconds""".split()
)
TURNING_WORDS = frozenset({"push", "pushes", "pushing", "pushed", "not", "t", "never", "no", "hardly"})
"""A word before an agreeing word that turns it into disagreement ("push back", "doesn't agree")."""
RELATION_REACH = 4
NAME_SLIP_ZIPF = 3.5
"""Only a word rarer than this in English may be read as a misspelt name ("sachs", "lecunn")."""
"""How many words before a name a relation word may stand: "who would push back on lecun"."""

SPEECH_VERBS = frozenset(
    """think thinks say says said believe believes reckon reckons feel feels argue argues predict predicts make
    want wants expect expects""".split()
)
AUXILIARIES = frozenset({"does", "did", "do", "would", "will", "is", "has", "whats", "hows"})
OPINION_NOUNS = frozenset({"view", "views", "take", "takes", "opinion", "opinions", "stance", "position", "thoughts"})


@dataclass(frozen=True)
class Question:
    """What a question asks, read from its words."""

    words: tuple[str, ...]
    content: tuple[str, ...]
    """The words that say what the question is about (no names, question words or filler)."""
    named: tuple[str, ...]
    """Commentators asked about (ids, in text order)."""
    excluded: tuple[str, ...]
    """Commentators the question leaves out ("besides lecun")."""
    relation: tuple[Relation, str] | None
    """``("agree" | "disagree", id)`` for "who agrees with X?" and "who disagrees with X?"."""
    outsider: str | None
    """A person the question asks about who is not in the knowledge base ("elon musk")."""


def read_question(
    text: str,
    names: NameIndex,
    *,
    known: Callable[[str], bool],
    outsiders: dict[str, str],
) -> Question:
    """Read ``text``.

    Args:
        known: whether a word belongs to the debate's vocabulary.
        outsiders: folded name (no spaces) → display name, for people the knowledge base knows it does not cover.
    """
    words = tuple(words_of(text))
    common = frozenset(w for w in words if zipf(w) >= NAME_SLIP_ZIPF or known(w))
    outsider, outsider_span = _named_outsider(words, outsiders)
    mentions = [
        _widened(m, words, names)
        for m in names.mentions(list(words), common=common)
        if not outsider_span.intersection(range(m.start, m.end))
    ]
    taken = {i for m in mentions for i in range(m.start, m.end)} | outsider_span
    named: list[str] = []
    excluded: list[str] = []
    relation: tuple[Relation, str] | None = None
    previous: Mention | None = None
    for mention in mentions:
        person = mention.commentator.id
        kind = _relation_before(words, mention.start)
        listed = previous is not None and words[previous.end : mention.start] in (("and",), ("or",), ("nor",), ())
        if _excluded(words, mention) or (listed and previous is not None and previous.commentator.id in excluded):
            excluded.append(person)
        elif kind is not None and relation is None:
            relation = (kind, person)
        elif person not in named:
            named.append(person)
        previous = mention
    outsider = outsider or _unknown_person(words, mentions, taken, known, names)
    content = tuple(
        dict.fromkeys(
            w
            for i, w in enumerate(words)
            if i not in taken
            and w not in STOPWORDS
            and w not in TITLES
            and w not in EXCLUDE_BEFORE
            and w not in EXCLUDE_WORDS
            and not (relation and (w in AGREE_WORDS or w in DISAGREE_WORDS))
        )
    )
    return Question(
        words=words,
        content=content,
        named=tuple(p for p in named if p not in excluded),
        excluded=tuple(excluded),
        relation=relation,
        outsider=outsider,
    )


def _excluded(words: tuple[str, ...], mention: Mention) -> bool:
    before = words[max(0, mention.start - 2) : mention.start]
    if before and before[-1] in EXCLUDE_BEFORE:
        return True
    if len(before) == 2 and (before[0], before[1]) in EXCLUDE_BEFORE_PAIRS:
        return True
    return mention.end < len(words) and words[mention.end] in EXCLUDE_AFTER


def _relation_before(words: tuple[str, ...], start: int) -> Relation | None:
    first = max(0, start - RELATION_REACH)
    for i in range(start - 1, first - 1, -1):
        if words[i] in DISAGREE_WORDS:
            return "disagree"
        if words[i] in AGREE_WORDS:
            # "push back on X" and "doesn't agree with X" turn an agreeing word around.
            turned = i > 0 and words[i - 1] in TURNING_WORDS
            return "disagree" if turned else "agree"
    return None


def _named_outsider(words: tuple[str, ...], outsiders: dict[str, str]) -> tuple[str | None, set[int]]:
    """A person the knowledge base lists as not covered ("elon musk"), and the words naming them."""
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            key = "".join(words[start : start + size])
            if key in outsiders:
                return outsiders[key], set(range(start, start + size))
    return None, set()


def _widened(mention: Mention, words: tuple[str, ...], names: NameIndex) -> Mention:
    """A mention grown over a neighbouring word that is a misspelt part of the same name ("yan lecun")."""
    start, end, person = mention.start, mention.end, mention.commentator.id
    if start > 0 and words[start - 1] not in STOPWORDS and names.fits(words[start - 1], person):
        start -= 1
    if end < len(words) and words[end] not in STOPWORDS and names.fits(words[end], person):
        end += 1
    return Mention(mention.commentator, start, end)


MARKERS = EXCLUDE_BEFORE | DISAGREE_WORDS | AGREE_WORDS | SPEECH_VERBS | OPINION_NOUNS | EXCLUDE_AFTER


def _unknown_person(
    words: tuple[str, ...],
    mentions: list[Mention],
    taken: set[int],
    known: Callable[[str], bool],
    names: NameIndex,
) -> str | None:
    """Someone the question asks about who is not a commentator, read from the wording alone."""

    def unknown(i: int) -> bool:
        word = words[i]
        return (
            i not in taken
            and word not in STOPWORDS
            and word not in TITLES
            and word not in MARKERS
            and not known(word)
            and word.isalpha()
        )

    # A look-alike: a commentator's single name next to a name word that is not theirs ("bruce lee", "andrew yang").
    for mention in mentions:
        if mention.end - mention.start != 1:
            continue
        for i in (mention.start - 1, mention.end):
            if 0 <= i < len(words) and unknown(i) and not names.is_name_word(words[i]):
                pair = (words[i], words[mention.start]) if i < mention.start else (words[mention.start], words[i])
                return " ".join(pair).title()
    # "what does X (Y) think…", "X's view on…": unknown words where a person's name stands.
    for j, word in enumerate(words):
        if word in SPEECH_VERBS or (word in OPINION_NOUNS and j > 0 and words[j - 1] == "s"):
            end = j - 1 if word in OPINION_NOUNS else j
            span: list[int] = []
            i = end - 1
            while i >= 0 and unknown(i) and len(span) < 3:
                span.insert(0, i)
                i -= 1
            leads = i >= 0 and (words[i] in AUXILIARIES or words[i] in {"according", "to", "about", "for"})
            if span and (leads or word in OPINION_NOUNS):
                return " ".join(words[k] for k in span).title()
    return None
