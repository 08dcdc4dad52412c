"""``/poll`` without text: the modal opens, a good submission posts the poll, a bad one shows its errors."""

from __future__ import annotations

import json

import pytest

from bot.adapters.slack.modal import FormErrors, ModalOrigin, poll_modal, read_submission
from bot.knowledge.base import KnowledgeBase
from tests.adapters.slack import payloads
from tests.adapters.slack.harness import ALICE, SlackUnderTest
from tests.adapters.slack.payloads import CHANNEL, form_state


def view_with(state: dict[str, object]) -> dict[str, object]:
    return {"state": {"values": state}}


def test_a_good_form_becomes_poll_arguments(kb: KnowledgeBase) -> None:
    state = form_state("Tea or coffee?", "Tea\n\n Coffee \n", duration="2h", settings=("anonymous", "multi"))
    assert read_submission(view_with(state), kb) == {
        "question": "Tea or coffee?",
        "options": "Tea|Coffee",
        "duration": "2h",
        "anonymous": "true",
        "multi": "all",
    }


def test_a_preset_needs_no_options(kb: KnowledgeBase) -> None:
    assert read_submission(view_with(form_state("whos-losing")), kb) == {"question": "whos-losing"}


@pytest.mark.parametrize(
    ("question", "options", "field", "says"),
    [
        ("", "A\nB", "question", "needs a question"),
        ("Tea?", "", "options", "Give 2 to 10 options"),
        ("Tea?", "Only one", "options", "you gave 1"),
        ("Tea?", "\n".join(str(n) for n in range(11)), "options", "you gave 11"),
        ("Tea?", "Yes\nyes", "options", "are the same"),
        ("Tea?", "A | B\nC", "options", "cannot contain the character |"),
        ("Tea?", "A\n" + "x" * 80, "options", "too long"),
    ],
)
def test_a_bad_form_says_what_is_wrong_next_to_the_field(
    kb: KnowledgeBase, question: str, options: str, field: str, says: str
) -> None:
    result = read_submission(view_with(form_state(question, options)), kb)
    assert isinstance(result, FormErrors)
    assert says in result.errors[field]


def test_the_modal_carries_its_channel_and_stays_within_slack_limits() -> None:
    view = poll_modal(ModalOrigin(channel="C1", response_url="https://hooks.slack.test/r"), {"whos-losing": "Q?"})
    assert ModalOrigin.load(view["private_metadata"]) == ModalOrigin("C1", "https://hooks.slack.test/r")
    assert len(view["title"]["text"]) <= 24
    assert len(view["private_metadata"]) <= 3000
    assert [b["block_id"] for b in view["blocks"]] == ["question", "options", "duration", "settings"]
    assert ModalOrigin.load("not json") is None


async def test_the_modal_opens_and_its_submission_posts_the_poll(slack: SlackUnderTest) -> None:
    opened_by = await slack.command("/poll", "")
    [call] = slack.fake.calls_to("views.open")
    view = call.params["view"]
    assert call.params["trigger_id"].startswith("trigger-")
    state = form_state("<!channel> Tea or coffee?", "Tea\nCoffee", duration="1d", settings=("anonymous",))
    answer = await slack.deliver("interactive", payloads.form_submission(view, state, user=ALICE))
    await slack.adapter.drain()
    assert answer.status == 200
    assert answer.seconds < 3
    assert not answer.body  # an empty ack closes the modal
    [post] = slack.fake.calls_to("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    assert "&lt;!channel&gt; Tea or coffee?" in post.params["text"]
    [summary] = await slack.app.store.list_polls()
    poll = await slack.app.store.get_poll(poll_id=summary.id)
    assert poll is not None
    assert poll.anonymous
    assert poll.closes_at is not None
    assert poll.creator_id == ALICE
    [(channel, ts)] = list(slack.fake.messages)
    assert poll.message_ref == f"{channel}:{ts}"
    assert opened_by.answers == []


async def test_a_bad_submission_keeps_the_modal_open_with_errors(slack: SlackUnderTest) -> None:
    await slack.command("/poll", "")
    view = slack.fake.calls_to("views.open")[-1].params["view"]
    answer = await slack.deliver("interactive", payloads.form_submission(view, form_state("Tea?", "Tea"), user=ALICE))
    await slack.adapter.drain()
    assert answer.status == 200
    body = answer.body if isinstance(answer.body, dict) else json.loads(answer.body)
    assert body["response_action"] == "errors"
    assert "you gave 1" in body["errors"]["options"]
    assert slack.fake.calls_to("chat.postMessage") == []
    assert await slack.app.store.list_polls() == []


async def test_when_the_modal_cannot_open_the_user_is_told_how_to_type_it(slack: SlackUnderTest) -> None:
    slack.fake.fail("views.open", error="expired_trigger_id")
    exchange = await slack.command("/poll", "")
    assert [a["response_type"] for a in exchange.answers] == ["ephemeral"]
    assert "/poll Question? | Option 1 | Option 2" in exchange.answers[0]["text"]
