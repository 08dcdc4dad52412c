"""Reply → Block Kit: escaping, Slack's limits, and the text fallback."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack.render import MAX_BLOCKS, escaped, poll_blocks, render_blocks, render_poll, render_reply
from bot.core.actions import Action
from bot.core.render_text import reply
from bot.core.reply import Button, Context, FieldItem, Fields, PollOptionView, PollView, Quote, Text, Title
from tests.adapters.slack.block_rules import live_markup, message_problems, text_objects

HOSTILE = "<!channel> <!here> <@U123> <#C1|general> <https://evil.test|click> & *bold*"


def poll(question: str = "Who wins?", labels: tuple[str, ...] = ("A", "B"), *, closed: bool = False) -> PollView:
    buttons = (
        ()
        if closed
        else (
            *(
                Button(label=label, action_id=Action.vote(7, str(n)).pack(), style="primary")
                for n, label in enumerate(labels, 1)
            ),
            Button(label="Close poll", action_id=Action.close(7).pack(), style="danger"),
        )
    )
    return PollView(
        poll_id=7,
        question=question,
        options=tuple(
            PollOptionView(key=str(n), label=label, votes=n, share=n / 3) for n, label in enumerate(labels, 1)
        ),
        total_votes=3,
        voters=3,
        closed=closed,
        anonymous=False,
        max_choices=1,
        buttons=buttons,
    )


def test_user_text_never_becomes_a_mention_or_link_in_any_block() -> None:
    answer = reply(
        Title(text=HOSTILE),
        Text(text=HOSTILE),
        Quote(person=HOSTILE, text=HOSTILE, claim_kind="quote", source=HOSTILE, claim_id="c"),
        Fields(fields=(FieldItem(name=HOSTILE, value=HOSTILE),)),
        poll(HOSTILE, (HOSTILE[:70], "<@U999>")),
        Context(text=HOSTILE),
    )
    message = render_reply(answer)
    assert message is not None
    body = message.body()
    assert live_markup(body) == []
    assert message_problems(body) == []
    assert "&lt;!channel&gt;" in message.text
    assert all(t["type"] == "plain_text" for t in text_objects(message.blocks))  # never parsed: shown as typed
    assert message.blocks[1]["text"]["text"] == HOSTILE


def test_formatting_characters_in_user_text_are_shown_as_typed() -> None:
    typed = "*bold* _it_ ~s~ `code` ```block``` > quote"
    message = render_blocks(
        [Text(text=typed), poll(typed, (typed[:75], "`x`")), Fields(fields=(FieldItem(name=typed, value=typed),))]
    )
    shown = [t["text"] for t in text_objects(message.blocks)]
    assert all(t["type"] == "plain_text" for t in text_objects(message.blocks))
    assert shown[0] == typed
    assert shown[1] == f"Poll #7: {typed}"
    assert shown[2].splitlines()[0].endswith(typed[:75])
    assert f"{typed}\n{typed}" in shown


def test_the_fallback_is_the_plain_text_rendering_escaped() -> None:
    message = render_blocks([Text(text="a < b & c")])
    assert message.text == "a &lt; b &amp; c"


def test_a_poll_has_one_button_per_option_and_a_close_button_that_asks_first() -> None:
    blocks = poll_blocks(poll(labels=("USA", "China", "Neither")))
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 1
    elements = actions[0]["elements"]
    assert [e["text"]["text"] for e in elements] == ["USA", "China", "Neither", "Close poll"]
    assert [e["action_id"] for e in elements] == ["vote:7:1", "vote:7:2", "vote:7:3", "close:7"]
    assert elements[-1]["style"] == "danger"
    assert "confirm" in elements[-1]
    assert "█" in blocks[1]["text"]["text"]


def test_a_closed_poll_has_no_buttons() -> None:
    assert all(b["type"] != "actions" for b in render_poll(poll(closed=True)).blocks)


def test_long_replies_are_cut_to_slacks_limits() -> None:
    many = [Text(text=f"paragraph {n}") for n in range(80)]
    message = render_blocks([Title(text="T" * 400), Text(text="x" * 5000), *many])
    assert len(message.blocks) == MAX_BLOCKS
    assert "more blocks left out" in str(message.blocks[-1])
    assert message_problems(message.body()) == []
    assert len(message.blocks[1]["text"]["text"]) <= 3000


def test_more_than_ten_fields_are_split_over_sections() -> None:
    fields = Fields(fields=tuple(FieldItem(name=f"n{n}", value="v" * 3000) for n in range(23)))
    message = render_blocks([fields])
    assert [len(b["fields"]) for b in message.blocks] == [10, 10, 3]
    assert message_problems(message.body()) == []


def test_a_reply_that_redraws_a_poll_leaves_the_poll_out() -> None:
    view = poll()
    answer = reply(view, Text(text="Poll #7 closed: A wins."), changed_polls=(view.poll_id,))
    message = render_reply(answer, leave_out_poll=7)
    assert message is not None
    assert [b["type"] for b in message.blocks] == ["section"]
    assert message.text == "Poll #7 closed: A wins."
    assert render_reply(reply(view), leave_out_poll=7) is None


def test_escaping_never_cuts_an_entity_in_half() -> None:
    for limit in range(2, 30):
        text = escaped("&<>" * 20, limit)
        assert len(text) <= limit
        assert text.endswith("…")
        assert text[:-1].replace("&amp;", "").replace("&lt;", "").replace("&gt;", "") == ""


any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=400)
hostile_text = st.one_of(any_text, st.sampled_from([HOSTILE, "<!everyone>", "<@W1|x>", "&lt;!channel&gt;"]))


@settings(max_examples=60, deadline=None)
@given(
    title=hostile_text,
    body=st.lists(hostile_text, min_size=1, max_size=60),
    labels=st.lists(st.text(min_size=1, max_size=75), min_size=2, max_size=10, unique=True),
)
def test_any_reply_renders_within_limits_and_stays_inert(title: str, body: list[str], labels: list[str]) -> None:
    message = render_blocks([Title(text=title), *(Text(text=t) for t in body), poll(title[:200], tuple(labels))])
    assert message_problems(message.body()) == []
    assert live_markup(message.body()) == []
