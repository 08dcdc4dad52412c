"""The console adapter end to end (a piped subprocess) and in-process (ConsoleSession on the test core)."""

from __future__ import annotations

import asyncio
import io
import os
import threading

import pytest

from bot.adapters.console import ConsoleSession, run_console
from bot.core.core import Core
from bot.knowledge.base import KnowledgeBase
from tests.cli.conftest import Cli, exchanges
from tests.conftest import ALICE

LONG_LINE = "/ask " + "a" * 2995
QUESTION_HINT = (
    "Commands start with a slash. Did you mean: /ask who thinks open source wins? Type /help to see the commands."
)


def leaning_sentence(kb: KnowledgeBase, option_id: str) -> str:
    """What the bot should say about who leans toward ``option_id``, from the knowledge base itself."""
    names = ", ".join(c.name for c in kb.leaning_toward("whos-losing", option_id))
    assert names, option_id
    return f"Leaning toward “{kb.option_label('whos-losing', option_id)}” (knowledge base reading): {names}."


SCRIPT = [
    "/as alice",  # 0
    "/whosays lecun",  # 1
    '/whosays "elon musk"',  # 2
    "/ask what's the weather in paris",  # 3
    "/poll whos-losing",  # 4
    "1",  # 5: alice presses "The USA"
    "/as bob",  # 6
    "2",  # 7: bob presses "China"
    "5",  # 8: bob presses "Close poll": refused, he is neither creator nor admin
    "/as mod admin",  # 9
    "5",  # 10: the admin closes it
    "/vote 1 3",  # 11: typed vote after close
    "1",  # 12: button after close
    "/as",  # 13
    "/frobnicate now",  # 14
    LONG_LINE,  # 15
    "/whosays ng",  # 16
    "7",  # 17: no buttons on screen
    "whosays wang",  # 18: a command without its slash
    "who thinks open source wins?",  # 19: a question without /ask
    "/whosay lecun",  # 20: a mistyped command
]


@pytest.fixture(scope="module")
def session_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[tuple[str, str]], str]:
    root = tmp_path_factory.mktemp("console")
    result = Cli(cwd=root, database=root / "console.db").run("console", stdin="\n".join(SCRIPT) + "\n")
    return result.returncode, exchanges(result.stdout), result.stderr


@pytest.fixture
def answers(session_output: tuple[int, list[tuple[str, str]], str]) -> list[str]:
    _, pairs, _ = session_output
    assert [command for command, _ in pairs] == SCRIPT, "every piped line is echoed once, in order"
    return [answer for _, answer in pairs]


def test_console_exits_0_at_end_of_input(session_output: tuple[int, list[tuple[str, str]], str]) -> None:
    code, pairs, stderr = session_output
    assert code == 0, stderr
    assert len(pairs) == len(SCRIPT)
    assert "Traceback" not in stderr


def test_whosays_shows_the_card(answers: list[str]) -> None:
    assert answers[1].startswith("Yann LeCun")
    assert "[Paraphrase]" in answers[1]
    assert "[Quote]" not in answers[1]


def test_whosays_unknown_lists_known_commentators(answers: list[str], kb: KnowledgeBase) -> None:
    assert "No commentator matches 'elon musk'" in answers[2]
    for commentator in kb.commentators.values():
        assert f"{commentator.name} ({commentator.id})" in answers[2]


def test_ask_irrelevant_says_nothing_found(answers: list[str]) -> None:
    assert "Nothing in the knowledge base" in answers[3]
    assert "[Paraphrase]" not in answers[3]


def test_poll_vote_refused_close_and_admin_close(answers: list[str], kb: KnowledgeBase) -> None:
    created = answers[4]
    assert "Poll #1: Who's losing the AI race?" in created
    assert "[1] The USA  [2] China  [3] Neither: open source wins  [4] Too early to tell  [5] Close poll" in created

    assert "Your vote for “The USA” is in." in answers[5]
    assert leaning_sentence(kb, "usa") in answers[5]
    assert "You are now bob." in answers[6]
    assert "Your vote for “China” is in." in answers[7]
    assert "2 votes · open" in answers[7]

    refused = answers[8]
    assert "Only the poll's creator or an admin can close poll #1." in refused
    assert "closed" not in refused.replace("can close", "")

    assert answers[9] == "You are now mod (admin)."
    closed = answers[10]
    assert "2 votes · closed" in closed
    assert "Poll #1 closed: “The USA” and “China” tie with 1 vote each." in closed
    assert leaning_sentence(kb, "usa") in closed
    assert leaning_sentence(kb, "china") in closed
    assert "Close poll" not in closed


def test_votes_after_close_are_refused(answers: list[str]) -> None:
    assert "Poll #1 is closed; it no longer takes votes." in answers[11]
    assert "There are no buttons to press." in answers[12]


def test_as_without_a_name_says_who_you_are(answers: list[str]) -> None:
    assert answers[13].startswith("You are mod (admin).")


def test_unknown_command(answers: list[str]) -> None:
    assert "Unknown command /frobnicate" in answers[14]


def test_overlong_line_is_refused_and_the_console_keeps_going(answers: list[str]) -> None:
    assert "too long (3000 characters; the limit is 2000)" in answers[15]
    assert answers[16].startswith("Andrew Ng")
    assert "There are no buttons to press." in answers[17]


def test_lines_without_a_slash(answers: list[str]) -> None:
    assert answers[18].startswith("Alexandr Wang")
    assert answers[19] == f"(only you see this) {QUESTION_HINT}"
    assert answers[20] == (
        "(only you see this) Unknown command /whosay. Did you mean /whosays? Type /help to see the commands."
    )


def test_quit_ends_the_session_early(cli: Cli) -> None:
    result = cli.run("console", stdin="/whosays ng\n/quit\n/whosays lecun\n")
    assert result.returncode == 0
    assert "Andrew Ng" in result.stdout
    assert "Yann LeCun" not in result.stdout


def test_digit_lines_that_are_not_button_numbers_do_not_crash_the_console(cli: Cli) -> None:
    """'²' passes str.isdigit() but not int(); 5000 digits exceed int()'s digit limit. Both must be refused."""
    result = cli.run("console", stdin="/poll Best? | A | B\n²\n" + "9" * 5000 + "\n/whosays ng\n")
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    assert result.returncode == 0
    assert "Andrew Ng" in result.stdout


# --- in-process: ConsoleSession against the test core ---------------------------------------------


def make_session(core: Core) -> tuple[ConsoleSession, io.StringIO]:
    out = io.StringIO()
    return ConsoleSession(core, out, user=ALICE), out


def take(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


async def test_buttons_are_numbered_from_one_with_close_last(core: Core) -> None:
    session, out = make_session(core)
    assert await session.line("2")
    assert "There are no buttons to press." in take(out)

    await session.line("/poll Best? | A | B | C")
    shown = take(out)
    assert "  [1] A  [2] B  [3] C  [4] Close poll" in shown
    assert [b.label for b in session.buttons] == ["A", "B", "C", "Close poll"]

    await session.line("2")
    assert "Your vote for “B” is in." in take(out)
    tally = await core.services.store.tally(poll_id=1)
    assert tally.counts == {"1": 0, "2": 1, "3": 0}

    for number in ("0", "5", "99"):
        await session.line(number)
        assert "No button with that number is on screen." in take(out)
    assert (await core.services.store.tally(poll_id=1)).total_votes == 1


async def test_buttons_follow_the_latest_poll_on_screen(core: Core) -> None:
    session, out = make_session(core)
    await session.line("/poll First? | A | B")
    await session.line("/poll Second? | X | Y | Z")
    take(out)
    await session.line("3")  # "Z" of the second poll
    assert "Your vote for “Z” is in." in take(out)
    assert (await core.services.store.tally(poll_id=2)).counts == {"1": 0, "2": 0, "3": 1}
    assert (await core.services.store.tally(poll_id=1)).total_votes == 0


async def test_as_switches_user_and_admin(core: Core) -> None:
    session, out = make_session(core)
    await session.line("/as bob")
    assert session.user.id == "bob"
    assert not session.user.is_admin
    assert "You are now bob." in take(out)

    await session.line("/as mod admin")
    assert session.user.id == "mod"
    assert session.user.is_admin
    assert "You are now mod (admin)." in take(out)

    await session.line("/poll Q? | A | B")
    await session.line("/as bob")
    await session.line("1")
    take(out)
    voters = await core.services.store.voters(poll_id=1)
    assert [(v.user_id, v.option_key) for v in voters] == [("bob", "1")]


async def test_close_button_clears_the_buttons(core: Core) -> None:
    session, out = make_session(core)
    await session.line("/poll Q? | A | B")
    await session.line("3")
    closed = take(out)
    assert "Poll #1 closed with no votes." in closed
    assert session.buttons == ()
    await session.line("1")
    assert "There are no buttons to press." in take(out)
    assert (await core.services.store.get_poll(poll_id=1)).closed_at is not None  # type: ignore[union-attr]


async def test_quit_and_blank_lines(core: Core) -> None:
    session, out = make_session(core)
    assert await session.line("   ") is True
    assert out.getvalue() == ""
    assert await session.line("/quit") is False
    assert await session.line("/exit") is False


@pytest.mark.parametrize("line", ["²", "9" * 5000], ids=["superscript-two", "5000-digits"])
async def test_session_refuses_digit_lines_that_are_not_numbers(core: Core, line: str) -> None:
    session, out = make_session(core)
    await session.line("/poll Q? | A | B")
    take(out)
    assert await session.line(line) is True
    assert take(out).strip()  # some refusal is shown
    assert (await core.services.store.tally(poll_id=1)).total_votes == 0


async def test_run_console_reads_a_pipe_to_the_end(core: Core) -> None:
    stdin = io.StringIO("/whosays wang\n\n/poll Q? | A | B\n1\n")
    out = io.StringIO()
    await run_console(core, stdin=stdin, out=out)
    pairs = exchanges(out.getvalue())
    assert [command for command, _ in pairs] == ["/whosays wang", "/poll Q? | A | B", "1"]
    assert pairs[0][1].startswith("Alexandr Wang")
    assert "is in." in pairs[2][1]


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("whosays lecun", "Yann LeCun"),
        ("Whosays ng", "Andrew Ng"),
        ("compare lee sacks export controls", "Kai-Fu Lee vs David Sacks"),
        ("topics", "Topics"),
    ],
)
async def test_a_command_typed_without_its_slash_runs(core: Core, line: str, start: str) -> None:
    session, out = make_session(core)
    assert await session.line(line) is True
    assert take(out).startswith(start)


async def test_a_poll_typed_without_its_slash_shows_buttons_that_work(core: Core) -> None:
    session, out = make_session(core)
    await session.line("poll Tea? | Green | Black")
    assert "  [1] Green  [2] Black  [3] Close poll" in take(out)
    await session.line("2")
    assert "Your vote for “Black” is in." in take(out)


@pytest.mark.parametrize(
    ("line", "suggestion"),
    [
        ("who thinks open source wins?", "/ask who thinks open source wins?"),
        ("is compute the bottleneck", "/ask is compute the bottleneck?"),
        ("hlep", "/ask hlep?"),
    ],
)
async def test_text_without_a_slash_is_not_run_and_the_answer_shows_the_command(
    core: Core, line: str, suggestion: str
) -> None:
    session, out = make_session(core)
    assert await session.line(line) is True
    assert take(out) == (
        f"(only you see this) Commands start with a slash. Did you mean: {suggestion} Type /help to see the commands.\n"
    )


async def test_run_console_stops_without_waiting_for_the_next_line(core: Core) -> None:
    """A stop request (SIGTERM) must not wait for input that may never come: the pending read is abandoned."""
    read_fd, write_fd = os.pipe()
    stdin = os.fdopen(read_fd, "r", encoding="utf-8")
    out = io.StringIO()
    stopping = asyncio.Event()
    try:
        os.write(write_fd, b"/whosays wang\n")
        console = asyncio.create_task(run_console(core, stdin=stdin, out=out, stopping=stopping))
        for _ in range(200):
            if "Alexandr Wang" in out.getvalue():
                break
            await asyncio.sleep(0.01)
        stopping.set()
        await asyncio.wait_for(console, 2)
    finally:
        os.close(write_fd)  # the abandoned read now sees the end of input and its thread ends
        for thread in [t for t in threading.enumerate() if t.name == "console-input"]:
            thread.join(2)
        stdin.close()
    assert [command for command, _ in exchanges(out.getvalue())] == ["/whosays wang"]
