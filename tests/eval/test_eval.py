"""The make eval runner counts what it says it counts (on a tiny set written here, not the real ones)."""

from __future__ import annotations

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.names import NameIndex
from bot.knowledge.search import ClaimSearch
from tests.eval.__main__ import evaluate


def test_figures_count_passes_failures_and_wrong_people(kb: KnowledgeBase) -> None:
    names = NameIndex(kb.commentators.values())
    data = {
        "questions": [
            {"q": "who thinks open source is the real winner?", "expect": ["lecun"]},
            {"q": "who thinks open source is the real winner?", "expect": ["wang"]},  # wrong on purpose
        ],
        "refusals": [
            {"q": "what is the capital of france?", "kind": "trap"},
            {"q": "who thinks open source is the real winner?", "kind": "plain"},  # answered: a failure
        ],
        "names": [
            {"input": "dr ng", "expect": "ng"},
            {"input": "lecun", "expect": "ng"},  # resolves to LeCun: a wrong person
            {"input": "andrew yang", "expect": None},
        ],
    }
    (answered, refused, traps, resolved), wrong = evaluate(data, ClaimSearch(kb, names), names)
    assert (answered.passed, answered.total) == (1, 2)
    assert "expected ['wang'], got lecun" in answered.failures[0]
    assert (refused.passed, refused.total, traps.passed, traps.total) == (1, 2, 1, 1)
    assert (resolved.passed, resolved.total, wrong) == (2, 3, 1)
