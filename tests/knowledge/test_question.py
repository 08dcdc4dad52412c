"""Reading a question: who it names, who it leaves out, agreement, and people the knowledge base lacks."""

from __future__ import annotations

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.names import NameIndex
from bot.knowledge.question import Question
from bot.knowledge.search import ClaimSearch


@pytest.fixture(scope="module")
def search(kb: KnowledgeBase) -> ClaimSearch:
    return ClaimSearch(kb, NameIndex(kb.commentators.values()))


def read(search: ClaimSearch, text: str) -> Question:
    return search.read(text)


@pytest.mark.parametrize(
    ("text", "named", "excluded"),
    [
        ("besides lecun, who else likes open source?", (), ("lecun",)),
        ("apart from kai-fu lee who talks about chips", (), ("lee",)),
        ("other than wang and sacks, who talks about compute", (), ("wang", "sacks")),
        ("except ng, who mentions o1", (), ("ng",)),
        ("lecun aside, who is worried about china?", (), ("lecun",)),
        ("what do ng and lecun say about open source", ("ng", "lecun"), ()),
        ("ng, not counting lecun, on open source", ("ng",), ("lecun",)),
    ],
)
def test_contrasts_leave_people_out(
    search: ClaimSearch, text: str, named: tuple[str, ...], excluded: tuple[str, ...]
) -> None:
    q = read(search, text)
    assert (q.named, q.excluded) == (named, excluded)


@pytest.mark.parametrize(
    ("text", "relation"),
    [
        ("who disagrees with lecun?", ("disagree", "lecun")),
        ("does anyone agree with wang?", ("agree", "wang")),
        ("who would push back on sacks", ("disagree", "sacks")),
        ("anyone on the same page as dr ng?", ("agree", "ng")),
        ("what does lecun think?", None),
    ],
)
def test_agreement_questions_name_the_reference_person(search: ClaimSearch, text: str, relation: object) -> None:
    assert read(search, text).relation == relation


@pytest.mark.parametrize(
    ("text", "outsider"),
    [
        ("what does elon musk think about open source?", "Elon Musk"),
        ("sam altman on chips", "Sam Altman"),
        ("bruce lee on compute", "Bruce Lee"),  # a commentator's surname with someone else's given name
        ("what does andrew yang think about ai", "Andrew Yang"),
        ("what does gordon ramsay think of the ai race", "Gordon Ramsay"),  # not listed: read from the wording
        ("marie curie's take on the chip ban", "Marie Curie"),
        ("what does lee think about compute", None),
        ("what does the us think about export controls", None),
        ("who thinks open source wins", None),
    ],
)
def test_people_the_knowledge_base_lacks_are_recognised(search: ClaimSearch, text: str, outsider: str | None) -> None:
    assert read(search, text).outsider == outsider


def test_names_and_filler_are_not_search_words(search: ClaimSearch) -> None:
    q = read(search, "hey, what does Dr. Andrew Ng reckon about open-source models tbh?")
    assert q.named == ("ng",)
    assert q.content == ("open", "source", "models")
