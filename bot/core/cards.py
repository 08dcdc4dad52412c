"""Shared pieces of replies about commentators, claims and topics."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from bot.core.errors import UserError
from bot.core.reply import Context, Quote
from bot.knowledge.base import CitedClaim, KnowledgeBase
from bot.knowledge.models import Commentator, Topic
from bot.knowledge.names import NameIndex
from bot.knowledge.words import fold

PARAPHRASE_NOTE = "Paraphrases are the article's summary of a view, not the person's own words."


def quote_block(kb: KnowledgeBase, cited: CitedClaim) -> Quote:
    return Quote(
        person=cited.commentator.name,
        text=cited.claim.text,
        claim_kind=cited.claim.kind,
        source=kb.source_title(cited.claim.source),
        claim_id=cited.claim.id,
    )


def known_commentators(kb: KnowledgeBase) -> str:
    return ", ".join(f"{c.name} ({c.id})" for c in kb.commentators.values())


def resolve_commentator(kb: KnowledgeBase, names: NameIndex, text: str) -> Commentator:
    """The commentator ``text`` names, or a :class:`UserError` with suggestions and the known list."""
    match = names.match(text)
    if match.commentator is not None:
        return match.commentator
    message = f"No commentator matches {text.strip()!r}."
    if match.suggestions:
        message += " Did you mean: " + ", ".join(kb.commentators[s].name for s in match.suggestions) + "?"
    raise UserError(f"{message} Known commentators: {known_commentators(kb)}.")


def resolve_topic(kb: KnowledgeBase, text: str) -> Topic:
    """A topic by id, label or synonym (typos forgiven), or a :class:`UserError` listing the topics."""
    keys: dict[str, str] = {}
    for topic in kb.topics.values():
        for name in (topic.id, topic.label, *topic.synonyms):
            keys.setdefault(fold(name), topic.id)
    key = fold(text)
    if key in keys:
        return kb.topics[keys[key]]
    best = process.extractOne(key, list(keys), scorer=fuzz.ratio, score_cutoff=80) if key else None
    if best is not None:
        return kb.topics[keys[best[0]]]
    listing = ", ".join(t.id for t in kb.topics.values())
    raise UserError(f"No topic matches {text.strip()!r}. Topics: {listing}.")


def source_note(kb: KnowledgeBase) -> Context:
    return Context(text=PARAPHRASE_NOTE)
