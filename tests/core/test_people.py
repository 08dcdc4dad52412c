"""/whosays, /compare, /topics and /topic through the core."""

from __future__ import annotations

import pytest

from bot.core.core import Core
from bot.core.reply import Fields, Quote, Reply, Title
from bot.core.request import Request
from bot.knowledge.base import KnowledgeBase
from tests.conftest import ALICE, Chat


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("lecun", "Yann LeCun"),
        ("LeCun", "Yann LeCun"),
        ("yann", "Yann LeCun"),
        ("le cun", "Yann LeCun"),
        ("lecunn", "Yann LeCun"),
        ("kai-fu", "Kai-Fu Lee"),
        ("kaifu", "Kai-Fu Lee"),
        ("Alexandr Wang", "Alexandr Wang"),
        ("sacks", "David Sacks"),
        ("ng", "Andrew Ng"),
    ],
)
async def test_whosays_finds_the_person(chat: Chat, typed: str, name: str) -> None:
    answer = await chat.say(f"/whosays {typed}")
    assert not answer.error
    assert answer.blocks[0] == Title(text=name)


async def test_whosays_card_has_summary_lean_and_labelled_claims(chat: Chat, kb: KnowledgeBase) -> None:
    answer = await chat.say("/whosays lee")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert 2 <= len(quotes) <= 3
    assert all(q.person == "Kai-Fu Lee" and q.source.startswith("China vs USA") for q in quotes)
    assert {q.claim_kind for q in quotes} <= {"quote", "paraphrase"}
    assert "Leans on" in answer.fallback
    assert "Knowledge base reading" in answer.fallback
    assert kb.commentators["lee"].summary in answer.fallback
    for quote in quotes:
        label = "[Quote]" if quote.claim_kind == "quote" else "[Paraphrase]"
        assert f"{label} " in answer.fallback


async def test_paraphrases_are_never_shown_as_quotes(chat: Chat) -> None:
    answer = await chat.say("/whosays wang")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert quotes
    assert all(q.claim_kind == "paraphrase" for q in quotes)
    assert "“" not in "".join(line for line in answer.fallback.splitlines() if line.startswith("[Paraphrase]"))
    assert "paraphrased in" in answer.fallback


@pytest.mark.parametrize("typed", ["elon musk", "sam altman", "zzzz"])
async def test_whosays_unknown_person_is_not_found_never_a_wrong_person(chat: Chat, typed: str) -> None:
    answer = await chat.say(f"/whosays {typed}")
    assert answer.error
    assert answer.ephemeral
    assert f"No commentator matches '{typed}'" in answer.fallback
    assert "Known commentators: " in answer.fallback
    assert not any(isinstance(b, Quote) for b in answer.blocks)


async def test_whosays_near_miss_suggests(chat: Chat) -> None:
    answer = await chat.say("/whosays lekan")
    assert answer.error
    assert "Did you mean: Yann LeCun" in answer.fallback


async def test_whosays_needs_a_name_and_refuses_overlong_text(chat: Chat) -> None:
    missing = await chat.say("/whosays")
    assert missing.error
    assert "needs <who>" in missing.fallback
    long = await chat.say("/whosays " + "x" * 150)
    assert long.error
    assert "too long (150 characters; the limit is 100)" in long.fallback


async def test_compare_shows_shared_topics_side_by_side(chat: Chat, kb: KnowledgeBase) -> None:
    answer = await chat.say("/compare ng sacks")
    assert answer.blocks[0] == Title(text="Andrew Ng vs David Sacks")
    shared = [t for t in kb.topics if t in kb.commentators["ng"].positions and t in kb.commentators["sacks"].positions]
    assert shared
    for topic in shared:
        assert kb.commentators["ng"].positions[topic] in answer.fallback
        assert kb.commentators["sacks"].positions[topic] in answer.fallback


async def test_compare_one_topic(chat: Chat, kb: KnowledgeBase) -> None:
    answer = await chat.say("/compare lecun wang compute")
    fields = [f for b in answer.blocks if isinstance(b, Fields) for f in b.fields]
    assert any(f.name == "Compute: Alexandr Wang" for f in fields)
    assert any(f.name == "Compute: Yann LeCun" and f.value == "no recorded position on this" for f in fields)


def topic_field_names(answer: Reply) -> list[str]:
    """The per-topic field names of a /compare card (``Topic: Person``), without the lean fields."""
    return [f.name for b in answer.blocks if isinstance(b, Fields) for f in b.fields if "Leans on" not in f.name]


@pytest.mark.parametrize(
    ("line", "title", "topic"),
    [
        ("/compare lee sacks export controls", "Kai-Fu Lee vs David Sacks", "export-controls"),
        ("/compare ng sacks on chip restrictions", "Andrew Ng vs David Sacks", "export-controls"),
        ('/compare "kai-fu lee" lecun open source', "Kai-Fu Lee vs Yann LeCun", "open-source"),
        ("/compare lecun wang about compute", "Yann LeCun vs Alexandr Wang", "compute"),
        ("/compare wang ng About data", "Alexandr Wang vs Andrew Ng", "data"),
    ],
)
async def test_compare_takes_a_topic_of_several_words(
    chat: Chat, kb: KnowledgeBase, line: str, title: str, topic: str
) -> None:
    answer = await chat.say(line)
    assert not answer.error, answer.fallback
    assert answer.blocks[0] == Title(text=title)
    label = kb.topics[topic].label
    first, second = title.split(" vs ")
    assert topic_field_names(answer) == [f"{label}: {first}", f"{label}: {second}"]


async def test_compare_topic_from_a_structured_request(core: Core, kb: KnowledgeBase) -> None:
    """Discord and Slack send the topic as one option value, filler word included."""
    args = {"first": "ng", "second": "sacks", "topic": "on chip restrictions"}
    request = Request(platform="discord", workspace="w", channel="c", user=ALICE, command="compare", args=args)
    answer = await core.handle(request)
    label = kb.topics["export-controls"].label
    assert topic_field_names(answer) == [f"{label}: Andrew Ng", f"{label}: David Sacks"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/compare lecun", "needs <second>"),
        ("/compare lecun wang cooking classes", "No topic matches 'cooking classes'. Topics: "),
        ("/compare lecun wang about knitting", "No topic matches 'knitting'. Topics: "),
        ("/compare lecun wang about", "No topic matches 'about'. Topics: "),
        ("/compare lecun yann", "Both names point to Yann LeCun"),
        ("/compare lecun musk", "No commentator matches 'musk'"),
        ("/compare lecun wang cooking", "No topic matches 'cooking'"),
    ],
)
async def test_compare_bad_input(chat: Chat, line: str, message: str) -> None:
    answer = await chat.say(line)
    assert answer.error
    assert message in answer.fallback


async def test_topics_lists_every_topic_with_people(chat: Chat, kb: KnowledgeBase) -> None:
    answer = await chat.say("/topics")
    for topic in kb.topics.values():
        assert f"{topic.label} ({topic.id})" in answer.fallback


async def test_topic_by_synonym(chat: Chat, kb: KnowledgeBase) -> None:
    answer = await chat.say("/topic GPUs")
    assert answer.blocks[0] == Title(text="Who says what on Compute")
    speakers = [c for c in kb.commentators.values() if "compute" in c.positions]
    for commentator in speakers:
        assert commentator.positions["compute"] in answer.fallback


async def test_topic_unknown(chat: Chat) -> None:
    answer = await chat.say("/topic knitting")
    assert answer.error
    assert "No topic matches 'knitting'. Topics: " in answer.fallback
