"""The JSON shapes of ``debatebot ask --json`` and ``debatebot whosays --json``."""

from __future__ import annotations

from typing import Any

from bot.core.services import Services
from bot.knowledge.base import CitedClaim


def _claim_json(services: Services, cited: CitedClaim) -> dict[str, Any]:
    return {
        "commentator": cited.commentator.id,
        "name": cited.commentator.name,
        "claim_id": cited.claim.id,
        "text": cited.claim.text,
        "kind": cited.claim.kind,
        "source": services.kb.source_title(cited.claim.source),
    }


def ask_json(services: Services, question: str) -> dict[str, Any]:
    result = services.search.search(question)
    return {
        "question": question,
        "outcome": result.outcome,
        "named": list(result.named),
        "excluded": list(result.question.excluded),
        "outsider": result.question.outsider,
        "answers": [{**_claim_json(services, a.cited), "score": a.score} for a in result.answers],
    }


def whosays_json(services: Services, query: str) -> dict[str, Any]:
    match = services.names.match(query)
    person = match.commentator
    if person is None:
        return {"query": query, "commentator": None, "suggestions": list(match.suggestions)}
    leans = {
        preset: {
            "option": lean.option,
            "label": services.kb.option_label(preset, lean.option),
            "rationale": lean.rationale,
            "claim_id": lean.claim,
        }
        for preset, lean in person.leans.items()
    }
    return {
        "query": query,
        "commentator": {
            "id": person.id,
            "name": person.name,
            "aliases": list(person.aliases),
            "summary": person.summary,
            "leans": leans,
            "claims": [_claim_json(services, services.kb.claims[c.id]) for c in services.kb.featured(person)],
        },
        "suggestions": [],
    }
