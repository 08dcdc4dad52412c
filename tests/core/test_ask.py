"""/ask through the core: cited answers, or an honest nothing."""

from __future__ import annotations

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
    assert "Nothing in the knowledge base from Yann LeCun on that." in answer.fallback


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
