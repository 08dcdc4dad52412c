"""/poll, votes, /close, /results and /polls through the core, on a real SQLite file."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App
from bot.core.actions import Action
from bot.core.reply import PollView
from tests.conftest import ADMIN, ALICE, BOB, Chat, FakeClock


async def new_poll(chat: Chat, line: str = "/poll whos-losing") -> PollView:
    answer = await chat.say(line)
    assert not answer.error, answer.fallback
    assert answer.poll is not None
    return answer.poll


async def test_preset_poll_has_its_options_and_buttons(chat: Chat) -> None:
    view = await new_poll(chat)
    assert view.question == "Who's losing the AI race?"
    assert [o.key for o in view.options] == ["usa", "china", "neither", "too-early"]
    assert [b.action_id for b in view.buttons] == [
        *(Action.vote(view.poll_id, key).pack() for key in ("usa", "china", "neither", "too-early")),
        Action.close(view.poll_id).pack(),
    ]


async def test_custom_poll_with_options_duration_anonymous_multi(chat: Chat, clock: FakeClock, app: App) -> None:
    view = await new_poll(
        chat, "/poll Who wins on compute? | USA | China | Nobody --duration 1h30m --anonymous --multi 2"
    )
    poll = await app.store.get_poll(poll_id=view.poll_id)
    assert poll is not None
    assert [o.label for o in poll.options] == ["USA", "China", "Nobody"]
    assert poll.anonymous
    assert poll.max_choices == 2
    assert poll.closes_at is not None
    assert (poll.closes_at - clock.now()).total_seconds() == 5400


async def test_discord_style_options_argument(core: App, app: App) -> None:
    from bot.core.request import Request

    answer = await app.core.handle(
        Request(
            platform="test",
            workspace="ws",
            channel="c",
            user=ALICE,
            command="poll",
            args={"question": "Best lab?", "options": "A | B", "anonymous": "true"},
        )
    )
    assert answer.poll is not None
    assert [o.label for o in answer.poll.options] == ["A", "B"]
    assert answer.poll.anonymous


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/poll", "needs <question>"),
        ("/poll Just a question?", "A poll needs options separated by |"),
        ("/poll Q? | only one", "needs 2 to 10 options separated by |"),
        ("/poll Q? | " + " | ".join(str(n) for n in range(11)), "(got 11)"),
        ("/poll Q? | A | a", "Options 1 and 2 are the same"),
        ("/poll Q? | Ａ | a", "Options 1 and 2 are the same"),
        ("/poll Q? | Big  cat | big cat", "Options 1 and 2 are the same"),
        ("/poll Q? | A |  | B", "Option 2 is empty"),
        ("/poll Q? | " + "x" * 76 + " | B", "Option 1 is too long (76 characters; the limit is 75)"),
        ("/poll " + "q" * 201 + " | A | B", "The question is too long (201 characters; the limit is 200)"),
        ("/poll Q? | A | B --duration 0m", "at least 1 minute"),
        ("/poll Q? | A | B --duration 33d", "at most 32 days"),
        ("/poll Q? | A | B --duration soon", "is not a duration"),
        ("/poll Q? | A | B --duration", "--duration needs a value"),
        ("/poll Q? | A | B --multi 3", "--multi takes a number of choices from 2 to 2"),
        ("/poll Q? | A | B --colour red", "/poll has no option --colour"),
    ],
)
async def test_bad_poll_input_is_refused_and_writes_nothing(chat: Chat, app: App, line: str, message: str) -> None:
    answer = await chat.say(line)
    assert answer.error
    assert answer.ephemeral
    assert message in answer.fallback
    assert await app.store.list_polls() == []


async def test_single_choice_vote_moves_and_keeps(chat: Chat, app: App) -> None:
    view = await new_poll(chat)
    first = await chat.press(Action.vote(view.poll_id, "usa").pack())
    assert first.ephemeral
    assert "Your vote for “The USA” is in." in first.fallback
    assert first.changed_polls == (view.poll_id,), "the poll's message is to be redrawn"
    assert first.poll is None, "and the vote's answer does not read the tally"
    again = await chat.press(Action.vote(view.poll_id, "usa").pack())
    assert "You already voted for “The USA”; your vote stays." in again.fallback
    assert again.changed_polls == (), "nothing changed: nothing to redraw"
    moved = await chat.press(Action.vote(view.poll_id, "china").pack())
    assert "Your vote moved to “China”." in moved.fallback
    tally = await app.store.tally(poll_id=view.poll_id)
    assert tally.counts == {"usa": 0, "china": 1, "neither": 0, "too-early": 0}


async def test_preset_vote_names_commentators_leaning_that_way(chat: Chat) -> None:
    view = await new_poll(chat)
    answer = await chat.press(Action.vote(view.poll_id, "neither").pack())
    assert "Leaning toward “Neither: open source wins” (knowledge base reading): Yann LeCun." in answer.fallback


async def test_custom_poll_vote_has_no_lean_sentence(chat: Chat) -> None:
    view = await new_poll(chat, "/poll Tea? | Yes | No")
    answer = await chat.say(f"/vote {view.poll_id} yes")
    assert "Your vote for “Yes” is in." in answer.fallback
    assert "Leaning" not in answer.fallback


async def test_multi_choice_toggles_within_limit(chat: Chat, app: App) -> None:
    view = await new_poll(chat, "/poll Which? | A | B | C --multi 2")
    assert "is in" in (await chat.say(f"/vote {view.poll_id} 1")).fallback
    assert "is in" in (await chat.say(f"/vote {view.poll_id} 2")).fallback
    limit = await chat.say(f"/vote {view.poll_id} 3")
    assert limit.error
    assert "You can choose up to 2 options" in limit.fallback
    removed = await chat.say(f"/vote {view.poll_id} 1")
    assert "You took back your vote for “A”." in removed.fallback
    assert await app.store.user_choices(poll_id=view.poll_id, user_id=ALICE.id) == ["2"]


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("999 1", "There is no poll #999 here."),
        ("abc 1", "There is no poll #abc here."),
        ("{id} 7", "has no option '7'"),
    ],
)
async def test_vote_bad_input(chat: Chat, app: App, suffix: str, message: str) -> None:
    view = await new_poll(chat, "/poll Tea? | Yes | No")
    answer = await chat.say("/vote " + suffix.format(id=view.poll_id))
    assert answer.error
    assert message in answer.fallback
    assert (await app.store.tally(poll_id=view.poll_id)).total_votes == 0


async def test_poll_from_another_platform_is_not_reachable(chat: Chat, core: App) -> None:
    view = await new_poll(chat)
    other = Chat(chat.core, platform="elsewhere")
    answer = await other.press(Action.vote(view.poll_id, "usa").pack())
    assert answer.error
    assert f"There is no poll #{view.poll_id} here." in answer.fallback


async def test_close_by_creator_announces_winner_and_leans(chat: Chat) -> None:
    view = await new_poll(chat)
    await chat.press(Action.vote(view.poll_id, "china").pack(), user=ALICE)
    await chat.press(Action.vote(view.poll_id, "china").pack(), user=BOB)
    await chat.press(Action.vote(view.poll_id, "usa").pack(), user=ADMIN)
    answer = await chat.press(Action.close(view.poll_id).pack(), user=ALICE)
    assert not answer.error
    assert not answer.ephemeral
    assert answer.poll is not None
    assert answer.poll.closed
    assert answer.poll.buttons == ()
    assert f"Poll #{view.poll_id} closed: “China” wins with 2 of 3 votes." in answer.fallback
    assert "Leaning toward “China” (knowledge base reading): Kai-Fu Lee." in answer.fallback


async def test_close_is_refused_for_others_and_allowed_for_admins(chat: Chat) -> None:
    view = await new_poll(chat, "/poll Tea? | Yes | No")
    refused = await chat.press(Action.close(view.poll_id).pack(), user=BOB)
    assert refused.error
    assert "Only the poll's creator or an admin can close" in refused.fallback
    assert "is in" in (await chat.press(Action.vote(view.poll_id, "1").pack(), user=BOB)).fallback
    closed = await chat.press(Action.close(view.poll_id).pack(), user=ADMIN)
    assert "closed: “Yes” wins with 1 of 1 vote." in closed.fallback
    again = await chat.press(Action.close(view.poll_id).pack(), user=ADMIN)
    assert again.error
    assert "already closed" in again.fallback


async def test_vote_on_closed_poll_is_refused_and_changes_nothing(chat: Chat, app: App) -> None:
    view = await new_poll(chat, "/poll Tea? | Yes | No")
    await chat.say(f"/vote {view.poll_id} 1", user=BOB)
    await chat.say(f"/close {view.poll_id}")
    answer = await chat.say(f"/vote {view.poll_id} 2", user=BOB)
    assert answer.error
    assert "is closed; it no longer takes votes" in answer.fallback
    assert (await app.store.tally(poll_id=view.poll_id)).counts == {"1": 1, "2": 0}


async def test_vote_after_deadline_is_refused(chat: Chat, clock: FakeClock) -> None:
    view = await new_poll(chat, "/poll Tea? | Yes | No --duration 30m")
    clock.advance(minutes=29)
    assert "is in" in (await chat.say(f"/vote {view.poll_id} 1")).fallback
    clock.advance(minutes=1)
    late = await chat.say(f"/vote {view.poll_id} 1", user=BOB)
    assert late.error
    assert "is closed" in late.fallback
    results = await chat.say(f"/results {view.poll_id}")
    assert results.poll is not None
    assert results.poll.closed
    assert results.poll.buttons == ()


async def test_results_show_bars_and_counts(chat: Chat) -> None:
    view = await new_poll(chat, "/poll Tea? | Yes | No")
    for user, option in ((ALICE, "1"), (BOB, "1"), (ADMIN, "2")):
        await chat.say(f"/vote {view.poll_id} {option}", user=user)
    answer = await chat.say(f"/results {view.poll_id}")
    assert "Yes  ███████░░░  67% (2)" in answer.fallback
    assert "No   ███░░░░░░░  33% (1)" in answer.fallback
    assert "3 votes · open" in answer.fallback


async def test_anonymous_poll_never_names_voters(chat: Chat) -> None:
    view = await new_poll(chat, "/poll Secret? | Yes | No --anonymous")
    replies = [await chat.say(f"/vote {view.poll_id} 1", user=BOB)]
    replies.append(await chat.say(f"/results {view.poll_id}"))
    replies.append(await chat.say(f"/close {view.poll_id}"))
    for answer in replies:
        shown = answer.model_dump_json()
        assert "bob" not in shown.casefold()
    assert all("anonymous" in a.fallback for a in replies[1:])


async def test_polls_lists_this_channel_only(chat: Chat) -> None:
    await new_poll(chat, "/poll Here? | Yes | No")
    elsewhere = Chat(chat.core, channel="random")
    await new_poll(elsewhere, "/poll There? | Yes | No")
    answer = await chat.say("/polls")
    assert "Here?" in answer.fallback
    assert "There?" not in answer.fallback


async def test_votes_racing_a_close_through_the_core(chat: Chat, app: App) -> None:
    view = await new_poll(chat, "/poll Race? | A | B")
    users = [f"user{n}" for n in range(40)]
    from bot.core.request import User

    async def vote(name: str):  # type: ignore[no-untyped-def]
        return await chat.press(Action.vote(view.poll_id, "1").pack(), user=User(id=name))

    tasks = [vote(name) for name in users[:20]] + [chat.press(Action.close(view.poll_id).pack())]
    tasks += [vote(name) for name in users[20:]]
    answers = await asyncio.gather(*tasks)
    accepted = sum("is in" in a.fallback for a in answers)
    refused = sum("is closed" in a.fallback for a in answers)
    assert accepted + refused == 40
    assert (await app.store.tally(poll_id=view.poll_id)).total_votes == accepted
