"""NameIndex: what users type for a commentator, typos included, and never a wrong person."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.names import MAX_SUGGESTIONS, NameIndex


@pytest.fixture(scope="module")
def names(kb: KnowledgeBase) -> NameIndex:
    return NameIndex(kb.commentators.values())


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lecun", "lecun"),
        ("LeCun", "lecun"),
        ("yann", "lecun"),
        ("le cun", "lecun"),
        ("Yann LeCun", "lecun"),
        ("lecunn", "lecun"),  # typo
        ("kai-fu", "lee"),
        ("kaifu", "lee"),
        ("Kai Fu Lee", "lee"),
        ("Kai-Fu Lee", "lee"),
        ("ng", "ng"),
        ("andrew ng", "ng"),
        ("Andrew Ng", "ng"),
        ("sacks", "sacks"),
        ("David Sacks", "sacks"),
        ("wang", "wang"),
        ("Alexandr Wang", "wang"),
        ("  WANG  ", "wang"),
        # Titles, nicknames, handles, orders, transliterations, initials and slips, as people type them.
        ("Dr. Ng", "ng"),
        ("prof yann lecun", "lecun"),
        ("mr sacks", "sacks"),
        ("dave sacks", "sacks"),
        ("Dave", "sacks"),
        ("andy ng", "ng"),
        ("alex", "wang"),
        ("@ylecun", "lecun"),
        ("@alexandr_wang", "wang"),
        ("@DavidSacks", "sacks"),
        ("lee kai-fu", "lee"),
        ("Lee Kaifu", "lee"),
        ("kaifu li", "lee"),
        ("Li Kai-Fu", "lee"),
        ("KFL", "lee"),
        ("lecun, yann", "lecun"),
        ("Sacks, David", "sacks"),
        ("ng andrew", "ng"),
        ("a. ng", "ng"),
        ("alexandr wnag", "wang"),
        ("kia-fu lee", "lee"),
        ("yan lecun", "lecun"),
        ("david sachs", "sacks"),
        ("lecun's", "lecun"),
    ],
)
def test_names_aliases_spacing_and_typos_resolve(names: NameIndex, typed: str, expected: str) -> None:
    match = names.match(typed)
    assert match.commentator is not None, (typed, match.suggestions)
    assert match.commentator.id == expected
    assert match.suggestions == ()


@pytest.mark.parametrize(
    "typed",
    [
        "elon musk",
        "xyz",
        "",
        "   ",
        "!!!",
        "sam altman",
        "jensen huang",
        "andrew yang",
        "david beckham",
        "bruce lee",
        "alex jones",
        "jeffrey sachs",
        "lee sedol",
        "le",
        "a",
        "elon",
    ],
)
def test_unknown_people_resolve_to_nobody(names: NameIndex, kb: KnowledgeBase, typed: str) -> None:
    match = names.match(typed)
    assert match.commentator is None
    assert len(match.suggestions) <= MAX_SUGGESTIONS == 3
    assert set(match.suggestions) <= set(kb.commentators)


def test_empty_input_suggests_nobody(names: NameIndex) -> None:
    assert names.match("").suggestions == ()
    assert names.match(" -- ").suggestions == ()


@pytest.mark.parametrize("typed", ["ang", "wnag"])
def test_close_but_ambiguous_input_only_suggests(names: NameIndex, kb: KnowledgeBase, typed: str) -> None:
    """'ang' is as close to Wang as to Ng; 'wnag' is a transposition that could be either. No guess is taken."""
    match = names.match(typed)
    assert match.commentator is None
    assert "wang" in match.suggestions
    assert 1 <= len(match.suggestions) <= 3
    assert set(match.suggestions) <= set(kb.commentators)


def test_suggestions_never_exceed_three(names: NameIndex, kb: KnowledgeBase) -> None:
    for typed in ("a", "an", "e", "la", "ae", "dan", "alexa"):
        match = names.match(typed)
        assert len(match.suggestions) <= 3, (typed, match.suggestions)
        assert len(set(match.suggestions)) == len(match.suggestions)
        assert set(match.suggestions) <= set(kb.commentators)
        if match.commentator is not None:
            assert match.suggestions == ()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what does Yann LeCun think about open source?", ["lecun"]),
        ("what does wang say about data", ["wang"]),
        ("Kai-Fu Lee on compute", ["lee"]),
        ("compare andrew ng and david sacks", ["ng", "sacks"]),
        ("is le cun right?", ["lecun"]),
        ("who thinks open source is the real winner?", []),
        ("what about elon musk", []),
    ],
)
def test_mentioned_in_finds_names_in_questions(names: NameIndex, question: str, expected: list[str]) -> None:
    assert sorted(c.id for c in names.mentioned_in(question)) == sorted(expected)


def test_a_fragment_two_people_share_is_never_guessed(names: NameIndex) -> None:
    match = names.match("le")
    assert match.commentator is None
    # Short input suggests whoever has a name starting so: not Wang, whose "alex" merely contains "le".
    assert match.suggestions == ("lee", "lecun")


def test_mentioned_in_does_not_match_parts_of_words(names: NameIndex) -> None:
    # "ng" hides in "training" and "wang" in "swang": only whole words count.
    assert names.mentioned_in("training data is growing among swanglers") == []


@hypothesis_settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=60))
def test_match_never_raises_and_never_invents_people(names: NameIndex, kb: KnowledgeBase, text: str) -> None:
    match = names.match(text)
    if match.commentator is not None:
        assert match.commentator.id in kb.commentators
        assert kb.commentators[match.commentator.id] == match.commentator
    assert len(match.suggestions) <= 3
    assert set(match.suggestions) <= set(kb.commentators)
    for person in names.mentioned_in(text):
        assert person.id in kb.commentators


@hypothesis_settings(max_examples=200, deadline=None, database=None)
@given(
    ident=st.sampled_from(["ng", "lecun", "wang", "sacks", "lee"]), case=st.sampled_from(["lower", "upper", "title"])
)
def test_every_id_and_full_name_resolves_to_itself(names: NameIndex, kb: KnowledgeBase, ident: str, case: str) -> None:
    for typed in (ident, kb.commentators[ident].name):
        typed = getattr(typed, case)()
        match = names.match(typed)
        assert match.commentator is not None, typed
        assert match.commentator.id == ident, typed
