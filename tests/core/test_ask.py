"""/ask through the core: cited answers, or an honest nothing."""

from __future__ import annotations

import pytest

from bot.core.reply import Quote
from tests.conftest import Chat


async def test_ask_cites_person_kind_and_source(chat: Chat) -> None:
    answer = await chat.say("/ask who thinks open source is the real winner?")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert quotes, answer.fallback
    assert quotes[0].person == "Yann LeCun"
    assert all(q.source and q.claim_kind in ("quote", "paraphrase") and q.claim_id for q in quotes)


async def test_ask_nothing_relevant_says_so(chat: Chat) -> None:
    answer = await chat.say("/ask what is the best pizza in naples?")
    assert not any(isinstance(b, Quote) for b in answer.blocks)
    assert answer.fallback.startswith("Nothing in the knowledge base on that.")


async def test_ask_named_person_without_matching_claims(chat: Chat) -> None:
    answer = await chat.say("/ask what does lecun say about energy production?")
    assert not any(isinstance(b, Quote) for b in answer.blocks)
    assert "Nothing from Yann LeCun on that in the knowledge base." in answer.fallback
    # ...and what LeCun does speak on, so the user can ask again.
    assert "LeCun speaks on: The gap: who leads, Open source" in answer.fallback


async def test_ask_named_person_limits_answers(chat: Chat) -> None:
    answer = await chat.say("/ask what does sacks say about export controls")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert quotes
    assert {q.person for q in quotes} == {"David Sacks"}


async def test_ask_quote_kind_survives(chat: Chat) -> None:
    answer = await chat.say("/ask twice the computing power")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert quotes[0].person == "Kai-Fu Lee"
    assert quotes[0].claim_kind == "quote"
    assert "[Quote] “" in answer.fallback


async def test_ask_bad_input(chat: Chat) -> None:
    empty = await chat.say("/ask")
    assert empty.error
    assert "needs <question>" in empty.fallback
    long = await chat.say("/ask " + "why " * 100)
    assert long.error
    assert "the limit is 300" in long.fallback


async def test_ask_names_who_says_so_first(chat: Chat) -> None:
    answer = await chat.say("/ask who thinks open source is the real winner?")
    lines = [line for line in answer.fallback.splitlines() if line.strip()]
    assert lines[1] == "Who says so: LeCun, Ng"
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert [q.person for q in quotes][:1] == ["Yann LeCun"]


async def test_ask_besides_a_person_leaves_them_out(chat: Chat) -> None:
    answer = await chat.say("/ask besides lecun, who else likes open source?")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert quotes
    assert "Yann LeCun" not in {q.person for q in quotes}
    assert "leaving out LeCun, as asked" in answer.fallback


async def test_ask_about_someone_not_in_the_knowledge_base_says_so(chat: Chat) -> None:
    answer = await chat.say("/ask what does elon musk think about open source?")
    assert answer.fallback.startswith("Elon Musk is not in the knowledge base; it covers Yann LeCun, Kai-Fu Lee")
    # What the commentators say on the topic is shown, labelled as such rather than attributed to Musk.
    assert "What the commentators say on that instead (" in answer.fallback
    assert {q.person for q in answer.blocks if isinstance(q, Quote)} == {"Yann LeCun", "Andrew Ng"}
    assert "Who says so" not in answer.fallback


async def test_ask_who_disagrees_uses_the_recorded_leans(chat: Chat) -> None:
    answer = await chat.say("/ask who disagrees with lecun?")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert {q.person for q in quotes} == {"Kai-Fu Lee", "Andrew Ng", "David Sacks", "Alexandr Wang"}
    assert "Disagree with LeCun: Lee, Ng, Sacks, Wang (the knowledge base's reading" in answer.fallback


async def test_ask_does_anyone_agree_uses_the_same_lean(chat: Chat) -> None:
    answer = await chat.say("/ask does anyone agree with wang?")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    # Wang and Ng are both read as casting the US as the side at risk of losing.
    assert [q.person for q in quotes] == ["Andrew Ng"]


async def test_ask_agreement_on_a_topic_shows_what_each_says(chat: Chat) -> None:
    answer = await chat.say("/ask who agrees with ng about open source")
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert [q.person for q in quotes] == ["Yann LeCun", "Andrew Ng"]
    assert "Who else speaks on that: LeCun." in answer.fallback
    assert "Ng's own claim is last, to compare." in answer.fallback


@pytest.mark.parametrize(
    ("question", "person"),
    [
        ("/ask how big is the US lead?", "David Sacks"),
        ("/ask who thinks it is too early to tell?", "David Sacks"),
        ("/ask what did dave sacks say?", "David Sacks"),
        ("/ask dr ng on open source", "Andrew Ng"),
        ("/ask lee kai-fu on compute", "Kai-Fu Lee"),
    ],
)
async def test_ask_examples_from_the_issue(chat: Chat, question: str, person: str) -> None:
    answer = await chat.say(question)
    quotes = [b for b in answer.blocks if isinstance(b, Quote)]
    assert quotes, answer.fallback
    assert quotes[0].person == person


@pytest.mark.parametrize(
    "question",
    [
        "what is the capital of france?",
        "who won the world cup?",
        "best potato chips?",
        "how do I plan a wedding budget?",
        "which power supply for my PC?",
        "what time is it in tokyo?",
    ],
)
async def test_ask_refuses_what_only_shares_a_word_with_the_article(chat: Chat, question: str) -> None:
    answer = await chat.say(f"/ask {question}")
    assert not any(isinstance(b, Quote) for b in answer.blocks), answer.fallback
    assert answer.fallback.startswith("Nothing in the knowledge base on that")


@pytest.mark.parametrize(
    "question", ["what is deepseek's stock price?", "who founded deepseek?", "when was chatgpt released?"]
)
async def test_ask_for_facts_the_article_does_not_give_says_what_it_holds(chat: Chat, question: str) -> None:
    answer = await chat.say(f"/ask {question}")
    assert not any(isinstance(b, Quote) for b in answer.blocks)
    assert answer.fallback.startswith("Nothing in the knowledge base on that: it holds what the commentators argue")
