"""The ``debatebot`` command line: kb check, settings errors, ask/whosays, and poll listing and export."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import KnowledgeError, Problem, default_knowledge_dir, load_knowledge
from bot.store.sqlite import SQLiteStore
from tests.cli.conftest import REPO, Cli, clean_env, exchanges

SECRETS = {
    "DISCORD_TOKEN": "supersecret-token-123",
    "SLACK_BOT_TOKEN": "xoxb-supersecret-slack-456",
    "SLACK_APP_TOKEN": "xapp-supersecret-789",
    "SLACK_SIGNING_SECRET": "signing-supersecret-000",
}


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- kb check -------------------------------------------------------------------------------------


@pytest.fixture
def broken_kb(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge base with problems in three different files."""
    target = tmp_path / "broken-kb"
    shutil.copytree(default_knowledge_dir(), target)

    def edit(relative: str, change: Callable[[Any], None]) -> None:
        path = target / relative
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    edit("commentators/lecun.yaml", lambda d: d.pop("summary"))
    edit("commentators/wang.yaml", lambda d: d["claims"][0].__setitem__("source", "nowhere"))
    edit("topics.yaml", lambda d: d["topics"].append(dict(d["topics"][0])))
    return target


def expected_problems(directory: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(directory)
    return info.value.problems


def test_kb_check_passes_on_the_shipped_kb(cli: Cli, kb: KnowledgeBase) -> None:
    result = cli.run("kb", "check")
    assert result.returncode == 0, result.stderr
    assert (
        f"knowledge base OK: {len(kb.commentators)} commentators, {len(kb.claims)} claims, {len(kb.topics)} topics"
        in result.stdout
    )
    assert len(kb.commentators) == 5


def test_kb_check_dir_prints_every_problem_and_exits_1(
    in_process: Path, capsys: pytest.CaptureFixture[str], broken_kb: Path
) -> None:
    problems = expected_problems(broken_kb)
    assert {p.file for p in problems} >= {"commentators/lecun.yaml", "commentators/wang.yaml", "topics.yaml"}

    code, out, err = run_main(capsys, "kb", "check", str(broken_kb))
    assert code == 1
    assert "knowledge base OK" not in out
    assert f"is invalid ({len(problems)} problems)" in err
    for problem in problems:
        assert f"  {problem}" in err.splitlines()


def test_kb_check_of_a_missing_directory(in_process: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_main(capsys, "kb", "check", str(tmp_path / "no-such-kb"))
    assert code == 1
    assert "not a directory" in err


def test_broken_knowledge_dir_stops_console_and_run_with_the_same_report(cli: Cli, broken_kb: Path) -> None:
    env = {"KNOWLEDGE_DIR": str(broken_kb)}
    check = cli.run("kb", "check", env=env)
    assert check.returncode == 1
    problems = expected_problems(broken_kb)
    for problem in problems:
        assert str(problem) in check.stderr

    for command in ("console", "run"):
        # Input that would produce output if the console started anyway.
        result = cli.run(command, stdin="/whosays lecun\n", env=env)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert result.stderr == check.stderr, command
        assert "Yann LeCun" not in result.stdout, command
    assert not cli.database.exists(), "a refused start must not create the database"


# --- settings -------------------------------------------------------------------------------------


def test_unknown_time_zone_exits_2_naming_the_variable(
    in_process: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGEST_DEFAULT_TZ", "Mars/Base")
    code, out, err = run_main(capsys, "kb", "check")
    assert code == 2
    assert out == ""
    assert "DIGEST_DEFAULT_TZ" in err
    assert "time zone" in err


def test_settings_from_a_dotenv_in_the_working_directory(in_process: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path(".env").write_text("DIGEST_DEFAULT_TZ=Mars/Base\n", encoding="utf-8")
    code, _, err = run_main(capsys, "kb", "check")
    assert code == 2
    assert "DIGEST_DEFAULT_TZ" in err


def test_a_bad_setting_never_prints_a_secret(cli: Cli) -> None:
    result = cli.run("run", stdin="", env={**SECRETS, "DIGEST_DEFAULT_TIME": "25:99", "RATE_LIMIT_COMMANDS": "lots"})
    assert result.returncode == 2
    assert "DIGEST_DEFAULT_TIME" in result.stderr
    assert "RATE_LIMIT_COMMANDS" in result.stderr
    for secret in SECRETS.values():
        assert secret not in result.stdout + result.stderr
        assert "supersecret" not in result.stdout + result.stderr


def test_the_documented_env_example_works_as_a_dotenv(in_process: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`.env.example` says: copy to .env; an empty KNOWLEDGE_DIR means the shipped knowledge base."""
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    assert "\nKNOWLEDGE_DIR=\n" in example
    Path(".env").write_text(example, encoding="utf-8")
    code, out, err = run_main(capsys, "kb", "check")
    assert code == 0, err
    assert "knowledge base OK: 5 commentators" in out


def test_an_empty_knowledge_dir_variable_means_the_shipped_kb(cli: Cli) -> None:
    result = cli.run("console", stdin="/whosays lecun\n", env={"KNOWLEDGE_DIR": ""})
    assert result.returncode == 0, result.stderr
    assert "Yann LeCun" in result.stdout


# --- ask and whosays ------------------------------------------------------------------------------

ANSWER_KEYS = {"commentator", "name", "claim_id", "text", "kind", "source", "score"}


def test_ask_json_best_answer_first(cli: Cli, kb: KnowledgeBase) -> None:
    question = "who thinks open source is the real winner?"
    result = cli.run("ask", question, "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"question", "outcome", "named", "excluded", "outsider", "answers"}
    assert payload["question"] == question
    assert payload["outcome"] == "answered"
    answers = payload["answers"]
    assert answers
    for answer in answers:
        assert set(answer) == ANSWER_KEYS
        cited = kb.claims[answer["claim_id"]]
        assert answer["commentator"] == cited.commentator.id
        assert answer["name"] == cited.commentator.name
        assert answer["text"] == cited.claim.text
        assert answer["kind"] == cited.claim.kind
        assert answer["source"] == kb.source_title(cited.claim.source)
        assert isinstance(answer["score"], float)
    assert answers[0]["commentator"] == "lecun"
    lecun = [a["score"] for a in answers if a["commentator"] == "lecun"]
    assert lecun == sorted(lecun, reverse=True)


def test_ask_json_with_nothing_relevant(in_process: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "ask", "best pizza recipe", "--json")
    assert code == 0
    assert json.loads(out) == {
        "question": "best pizza recipe",
        "outcome": "nothing",
        "named": [],
        "excluded": [],
        "outsider": None,
        "answers": [],
    }


def test_ask_json_says_who_is_missing(in_process: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "ask", "what does sam altman think about compute?", "--json")
    assert code == 0
    payload = json.loads(out)
    assert (payload["outcome"], payload["outsider"], payload["answers"]) == ("outsider", "Sam Altman", [])


def test_whosays_json_found(in_process: Path, capsys: pytest.CaptureFixture[str], kb: KnowledgeBase) -> None:
    code, out, _ = run_main(capsys, "whosays", "lecun", "--json")
    assert code == 0
    payload = json.loads(out)
    person = payload["commentator"]
    assert person["id"] == "lecun"
    assert person["name"] == kb.commentators["lecun"].name
    assert payload["suggestions"] == []
    assert person["claims"]
    assert {c["commentator"] for c in person["claims"]} == {"lecun"}
    lean = person["leans"]["whos-losing"]
    assert lean["option"] in {o.id for o in kb.presets["whos-losing"].options}
    assert lean["label"] == kb.option_label("whos-losing", lean["option"])
    assert kb.claims[lean["claim_id"]].commentator.id == "lecun"


def test_whosays_json_unknown_exits_1(cli: Cli, kb: KnowledgeBase) -> None:
    result = cli.run("whosays", "elon musk", "--json")
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["commentator"] is None
    assert payload["query"] == "elon musk"
    assert isinstance(payload["suggestions"], list)
    assert len(payload["suggestions"]) <= 3
    assert set(payload["suggestions"]) <= set(kb.commentators)


def test_whosays_and_ask_print_cards_without_json(in_process: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "whosays", "lecun")
    assert code == 0
    assert "Yann LeCun" in out
    assert "[Paraphrase]" in out

    code, out, _ = run_main(capsys, "whosays", "elon musk")
    assert code == 1
    assert "No commentator matches" in out
    assert "Yann LeCun (lecun)" in out

    code, out, _ = run_main(capsys, "ask", "who thinks open source is the real winner?")
    assert code == 0
    assert "Yann LeCun" in out
    assert "[Paraphrase]" in out

    code, out, _ = run_main(capsys, "ask", "best pizza recipe")
    assert code == 0
    assert "Nothing in the knowledge base" in out


# --- polls: created through the console, read by the CLI ------------------------------------------

CONSOLE_SCRIPT = [
    "/as alice",
    "/poll Best? | A | B",
    "1",
    "/as bob",
    "2",
    "/as carol",
    "/poll Secret? | X | Y --anonymous",
    "1",
    "/as dave",
    "2",
    '/poll Formula? | =HYPERLINK("x") | +1 | @cmd | -2',
    "1",
    "/as =evil",
    "3",
    "/as alice",
    "/close 1",
]
FORMULA_LABELS = ['=HYPERLINK("x")', "+1", "@cmd", "-2"]


@pytest.fixture(scope="module")
def poll_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three polls made by piping commands into `python -m bot console`: #1 closed, #2 anonymous, #3 formulas."""
    root = tmp_path_factory.mktemp("polls")
    cli = Cli(cwd=root, database=root / "polls.db")
    result = cli.run("console", stdin="\n".join(CONSOLE_SCRIPT) + "\n")
    assert result.returncode == 0, result.stderr
    answers = exchanges(result.stdout)
    assert [command for command, _ in answers] == CONSOLE_SCRIPT
    assert "Poll #1 closed" in answers[-1][1]
    return cli.database


@pytest.fixture
def on_poll_db(in_process: Path, poll_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{poll_db}")
    return poll_db


def test_polls_list_json_newest_first(poll_db: Path, tmp_path: Path) -> None:
    cli = Cli(cwd=tmp_path, database=poll_db)
    result = cli.run("polls", "list", "--json")
    assert result.returncode == 0, result.stderr
    polls = json.loads(result.stdout)
    assert [p["id"] for p in polls] == [3, 2, 1]
    for poll in polls:
        assert set(poll) == {"id", "question", "platform", "channel", "closed", "total_votes"}
        assert poll["platform"] == "console"
        assert poll["channel"] == "console"
    assert [p["question"] for p in polls] == ["Formula?", "Secret?", "Best?"]
    assert [p["closed"] for p in polls] == [False, False, True]
    assert [p["total_votes"] for p in polls] == [2, 2, 2]


def test_polls_list_as_text(on_poll_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "polls", "list")
    assert code == 0
    lines = out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["#3", "#2", "#1"]
    assert lines[2].split("\t")[1] == "closed"
    assert lines[0].split("\t")[1] == "open"
    assert lines[1].endswith("Secret?")


def test_polls_export_json_lists_voters(on_poll_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "polls", "export", "1", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["poll"] == {"id": 1, "question": "Best?", "closed": True, "anonymous": False}
    assert data["options"] == [{"id": "1", "label": "A", "votes": 1}, {"id": "2", "label": "B", "votes": 1}]
    assert data["total_votes"] == 2
    assert sorted(data["voters"], key=lambda v: v["user"]) == [
        {"user": "alice", "option": "1"},
        {"user": "bob", "option": "2"},
    ]


def test_polls_export_of_an_anonymous_poll_names_nobody(on_poll_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "polls", "export", "2")
    assert code == 0
    data = json.loads(out)
    assert "voters" not in data
    assert data["poll"]["anonymous"] is True
    assert [o["votes"] for o in data["options"]] == [1, 1]
    assert "carol" not in out
    assert "dave" not in out

    code, out, _ = run_main(capsys, "polls", "export", "2", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [["option_id", "option_label", "votes"], ["1", "X", "1"], ["2", "Y", "1"]]
    assert "carol" not in out
    assert "dave" not in out


def test_polls_export_csv_with_voters(on_poll_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "polls", "export", "1", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [["option_id", "option_label", "votes", "voters"], ["1", "A", "1", "alice"], ["2", "B", "1", "bob"]]


def test_polls_export_csv_defuses_spreadsheet_formulas(on_poll_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "polls", "export", "3", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["option_id", "option_label", "votes", "voters"]
    assert [row[1] for row in rows[1:]] == ["'" + label for label in FORMULA_LABELS]
    by_label = {row[1]: row for row in rows[1:]}
    assert by_label['\'=HYPERLINK("x")'][3] == "dave"
    assert by_label["'@cmd"][3] == "'=evil"  # a voter id can be a formula too
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), row

    # JSON is not a spreadsheet: the labels stay exactly as typed.
    code, out, _ = run_main(capsys, "polls", "export", "3", "--format", "json")
    assert code == 0
    assert [o["label"] for o in json.loads(out)["options"]] == FORMULA_LABELS


def test_polls_export_of_an_unknown_poll(on_poll_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "polls", "export", "999")
    assert code == 1
    assert out == ""
    assert "no poll #999" in err


def test_polls_without_a_database(in_process: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "polls", "list")
    assert code == 1
    assert out == ""
    assert "no database" in err
    assert str(in_process) in err
    assert not in_process.exists()


async def test_polls_list_while_another_connection_holds_the_database(tmp_path: Path) -> None:
    from bot.core.models import ChannelRef, NewPoll, OptionRecord
    from tests.conftest import START

    database = tmp_path / "busy.db"
    store = SQLiteStore(database)
    await store.open()
    try:
        channel = ChannelRef(platform="slack", workspace="T1", channel="C1")
        options = (OptionRecord(key="1", label="Yes"), OptionRecord(key="2", label="No"))
        poll = await store.create_poll(
            poll=NewPoll(channel=channel, creator_id="u1", question="Busy?", options=options), now=START
        )
        await store.cast_vote(poll_id=poll.id, user_id="u2", option_key="2", now=START)
        # A third connection sits in the middle of a read transaction, as a long report would.
        with closing(sqlite3.connect(database, isolation_level=None)) as reader:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM polls").fetchone()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "polls",
                "list",
                "--json",
                cwd=tmp_path,
                env=clean_env(database),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
            reader.execute("COMMIT")
        assert process.returncode == 0, stderr.decode()
        assert json.loads(stdout) == [
            {
                "id": poll.id,
                "question": "Busy?",
                "platform": "slack",
                "channel": "C1",
                "closed": False,
                "total_votes": 1,
            }
        ]
        # The bot's own connection still works afterwards.
        assert (await store.tally(poll_id=poll.id)).counts == {"1": 0, "2": 1}
    finally:
        await store.close()


def test_ask_takes_the_question_literally_and_checks_its_length(
    in_process: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main(capsys, "ask", "what about --duration of export controls on chips")
    assert code == 0
    assert "export controls" in out
    assert "has no option" not in out

    for extra in ([], ["--json"]):
        code, out, err = run_main(capsys, "ask", "why " * 80, *extra)
        assert code == 2
        assert "question is too long (319 characters; the limit is 300)" in err
        assert out == ""
