"""The pure translations on their own: registry → command definitions, interaction data → request, reply → message."""

from __future__ import annotations

import json

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.discord.autocomplete import MAX_CHOICES, Autocomplete, hint_for
from bot.adapters.discord.definitions import BOOLEAN, STRING, SUB_COMMAND, command_payloads, definitions_hash
from bot.adapters.discord.poll_messages import message_ref, parse_message_ref
from bot.adapters.discord.render import render
from bot.adapters.discord.text import MAX_CONTENT, cut
from bot.adapters.discord.translate import is_admin, parse_command_data
from bot.core.actions import Action
from bot.core.core import Core
from bot.core.render_text import reply
from bot.core.reply import Button, Context, FieldItem, Fields, PollOptionView, PollView, Quote, Text, Title
from bot.knowledge.base import KnowledgeBase


def test_every_visible_command_becomes_a_valid_discord_command(core: Core) -> None:
    payloads = command_payloads(core.registry)
    assert [p["name"] for p in payloads] == [c.name for c in core.registry.visible()]
    for payload in payloads:
        assert 1 <= len(payload["description"]) <= 100
        options = payload["options"]
        assert len(options) <= 25
        for option in options:
            assert option["name"].islower()
            assert 1 <= len(option["description"]) <= 100
        required = [o.get("required", False) for o in options if o["type"] != SUB_COMMAND]
        assert required == sorted(required, reverse=True), "required options come first"
    by_name = {p["name"]: p for p in payloads}
    question = next(o for o in by_name["poll"]["options"] if o["name"] == "question")
    assert question == {
        "name": "question",
        "description": question["description"],
        "required": True,
        "type": STRING,
        "max_length": 1000,
        "autocomplete": True,
    }
    anonymous = next(o for o in by_name["poll"]["options"] if o["name"] == "anonymous")
    assert anonymous["type"] == BOOLEAN
    assert [o["name"] for o in by_name["digest"]["options"]] == ["subscribe", "unsubscribe", "status", "now"]
    assert all(o["type"] == SUB_COMMAND for o in by_name["digest"]["options"])
    assert json.loads(json.dumps(payloads)) == payloads


def test_the_definitions_hash_is_stable_and_sensitive(core: Core) -> None:
    payloads = command_payloads(core.registry)
    assert definitions_hash(payloads) == definitions_hash(command_payloads(core.registry))
    changed = json.loads(json.dumps(payloads))
    changed[0]["description"] += "!"
    assert definitions_hash(changed) != definitions_hash(payloads)


def test_command_data_with_subcommands_flags_and_focus() -> None:
    data = {
        "name": "digest",
        "options": [{"name": "subscribe", "type": 1, "options": [{"name": "time", "type": 3, "value": "08:30"}]}],
    }
    parsed = parse_command_data(data)
    assert (parsed.command, parsed.subcommand, parsed.args) == ("digest", "subscribe", {"time": "08:30"})
    flags = parse_command_data(
        {
            "name": "poll",
            "options": [
                {"name": "question", "type": 3, "value": "lec", "focused": True},
                {"name": "anonymous", "type": 5, "value": True},
                {"name": "multi", "type": 5, "value": False},
            ],
        }
    )
    assert flags.args == {"question": "lec", "anonymous": "true"}
    assert flags.focused == "question"


@pytest.mark.parametrize(
    ("command", "permissions", "admin"),
    [
        (("close", None), discord.Permissions(manage_messages=True), True),
        (("close", None), discord.Permissions(manage_guild=True), True),
        (("close", None), discord.Permissions(manage_channels=True), False),
        (("digest", "subscribe"), discord.Permissions(manage_channels=True), True),
        (("digest", "unsubscribe"), discord.Permissions(manage_messages=True), False),
        (("digest", "status"), discord.Permissions(administrator=True), False),
        (("vote", None), discord.Permissions(administrator=True), False),
        (("digest", "subscribe"), discord.Permissions(administrator=True), True),
    ],
)
def test_admin_comes_from_the_registry_flag_and_the_permissions_for_it(
    command: tuple[str, str | None], permissions: discord.Permissions, admin: bool, core: Core
) -> None:
    assert is_admin(core.registry.admin(*command), permissions) is admin


def test_message_refs_round_trip_and_foreign_refs_are_ignored() -> None:
    assert parse_message_ref(message_ref(12, 34)) == (12, 34)
    assert parse_message_ref("C123:1700000000.0001") is None
    assert parse_message_ref(None) is None


@given(typed=st.text(max_size=40))
def test_autocomplete_never_offers_more_than_25_valid_choices(kb: KnowledgeBase, typed: str) -> None:
    complete = Autocomplete(kb)
    for hint in ("commentator", "topic", "preset", None):
        choices = complete.choices(hint, typed)
        assert len(choices) <= MAX_CHOICES
        assert all(1 <= len(c.name) <= 100 and 1 <= len(c.value) <= 100 for c in choices)


@pytest.mark.parametrize(
    ("typed", "first"),
    [("dr ng", "ng"), ("lee kai-fu", "lee"), ("dave", "sacks"), ("@ylecun", "lecun"), ("lecun, yann", "lecun")],
)
def test_autocomplete_offers_who_the_name_resolver_finds_first(kb: KnowledgeBase, typed: str, first: str) -> None:
    choices = Autocomplete(kb).choices("commentator", typed)
    assert choices
    assert choices[0].value == first


def test_autocomplete_hints_come_from_the_registry(core: Core) -> None:
    assert hint_for(core.registry, "whosays", None, "who") == "commentator"
    assert hint_for(core.registry, "compare", None, "topic") == "topic"
    assert hint_for(core.registry, "poll", None, "question") == "preset"
    assert hint_for(core.registry, "poll", None, "options") is None
    assert hint_for(core.registry, "nope", None, "x") is None


@given(text=st.text(alphabet=st.sampled_from("ab\\*_@<>#"), max_size=60), limit=st.integers(2, 50))
def test_cut_stays_within_the_limit_and_never_ends_in_a_lone_backslash(text: str, limit: int) -> None:
    result = cut(text, limit)
    assert len(result) <= limit
    if result != text:
        body = result.removesuffix("…")
        assert (len(body) - len(body.rstrip("\\"))) % 2 == 0


async def test_short_text_replies_are_content_and_escaped() -> None:
    rendered = render(reply(Text(text="**@everyone** <@&1>"), Context(text="small print"), ephemeral=True))
    assert rendered.embeds == []
    assert rendered.ephemeral
    assert rendered.content == "\\*\\*@\u200beveryone\\*\\* <\u200b@\u200b&1\\>\n-# small print"


async def test_cards_keep_their_order_and_limits() -> None:
    quote = Quote(person="P", text="t" * 2000, claim_kind="quote", source="S", claim_id="c")
    rendered = render(
        reply(
            Title(text="T" * 300),
            Text(text="intro"),
            quote,
            Text(text="then"),
            Fields(fields=(FieldItem(name="n", value="v"),)),
        )
    )
    (embed,) = rendered.embeds
    assert len(embed.title or "") == 256
    assert embed.description == "intro"
    assert [f.name for f in embed.fields] == ["Quote · P", "\u200b", "n"]
    assert len(embed.fields[0].value or "") == 1024
    assert embed.fields[1].value == "then"


async def test_a_reply_too_big_for_embeds_falls_back_to_text() -> None:
    fields = tuple(FieldItem(name=f"field {n}", value="v" * 1000) for n in range(60))
    rendered = render(reply(Title(text="Big"), Fields(fields=fields)))
    assert rendered.embeds == []
    assert rendered.content is not None
    assert len(rendered.content) <= MAX_CONTENT


async def test_a_closed_poll_has_no_buttons_and_an_open_one_has_them_all() -> None:
    options = tuple(PollOptionView(key=str(n), label=f"Option {n}", votes=n, share=n / 55) for n in range(1, 11))
    buttons = (
        *(Button(label=o.label, action_id=Action.vote(7, o.key).pack(), style="primary") for o in options),
        Button(label="Close poll", action_id=Action.close(7).pack(), style="danger"),
    )
    view = PollView(
        poll_id=7,
        question="Q",
        options=options,
        total_votes=55,
        voters=55,
        closed=False,
        anonymous=False,
        max_choices=1,
    )
    rendered = render(reply(view.model_copy(update={"buttons": buttons})))
    assert rendered.view is not None
    assert [item.custom_id for item in rendered.view.children] == [b.action_id for b in buttons]  # type: ignore[attr-defined]
    assert render(reply(view.model_copy(update={"closed": True}))).view is None
