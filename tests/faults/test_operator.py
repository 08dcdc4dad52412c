"""Operator mistakes and process life: bad settings, unusable database files, closed pipes, signals, ``/as``.

Each mistake ends in one message naming the setting or file and the fix (exit 2 for settings), never a
traceback, never a secret. Processes are real (``python -m bot``), and so are the signals.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.core import Core
from bot.store.sqlite import SQLiteStore
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.discord.test_process import TOKEN
from tests.adapters.discord.test_process import bot_env as discord_env
from tests.adapters.discord.test_process import bot_process as discord_process
from tests.cli.conftest import REPO, Cli, clean_env
from tests.cli.test_console import make_session, take
from tests.store.factories import T0, new_poll

GRACE_TOO_LONG = "at most 24h (digests are daily, so a longer grace changes nothing); for example 6h"
GRACE_FORMS = "expected hours and/or minutes such as 6h, 90m or 1h30m"
TOKEN_ADVICE = (
    "a token is one line of letters, digits and punctuation without spaces: copy it again (in .env, without quotes)"
)


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``bot.cli.main`` in-process: a clean environment, a working folder without .env; returns the database path."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    env = clean_env(tmp_path / "db" / "x.db")
    for name in list(os.environ):
        if name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "db" / "x.db"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    return Cli(cwd=work, database=tmp_path / "db" / "x.db")


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- settings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("grace", ["99999999999h", "25h", "1441m", "9" * 5000 + "m"])
def test_an_absurd_digest_grace_names_the_setting_and_its_limit(
    operator: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, grace: str
) -> None:
    monkeypatch.setenv("DIGEST_GRACE", grace)
    code, out, err = run_main(capsys, "kb", "check")
    assert (code, out) == (2, "")
    assert err == f"debatebot: invalid settings:\n  DIGEST_GRACE: {GRACE_TOO_LONG}\n"


@pytest.mark.parametrize("grace", ["-1h", "6 hours", "²h", "1h2h"])
def test_a_malformed_digest_grace_shows_the_accepted_forms(
    operator: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, grace: str
) -> None:
    monkeypatch.setenv("DIGEST_GRACE", grace)
    code, _, err = run_main(capsys, "kb", "check")
    assert code == 2
    assert err == f"debatebot: invalid settings:\n  DIGEST_GRACE: {GRACE_FORMS}\n"


@pytest.mark.parametrize("variable", ["DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"])
@pytest.mark.parametrize(
    ("char", "described"),
    [("\n", "a line break"), ("\r", "a line break"), ("\x1b", "a control character (U+001B)"), (" ", "a space")],
)
def test_a_token_with_a_control_character_is_refused_without_showing_it(
    operator: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    char: str,
    described: str,
) -> None:
    monkeypatch.setenv(variable, f"Sup3rSecretHead{char}Sup3rSecretTail")
    code, out, err = run_main(capsys, "run")
    assert (code, out) == (2, "")
    assert err == (
        f"debatebot: invalid settings:\n  {variable}: contains {described} at character 16 of 31; {TOKEN_ADVICE}\n"
    )
    assert "Sup3rSecret" not in err
    assert not operator.exists()


def test_a_token_with_a_newline_stops_the_real_process_before_it_connects(cli: Cli) -> None:
    result = cli.run(
        "run", stdin="/whosays lecun\n", env={"SLACK_BOT_TOKEN": "xoxb-Sup3rSecret\n", "LOG_LEVEL": "DEBUG"}
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "debatebot: invalid settings:\n"
        f"  SLACK_BOT_TOKEN: contains a line break at character 17 of 17; {TOKEN_ADVICE}\n"
    )


def test_a_dotenv_with_a_byte_that_is_not_utf8_names_the_file_and_the_position(
    operator: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = b"LOG_LEVEL=INFO\nDISCORD_TOKEN=Sup3rSecret\xe9Tail\n"
    Path(".env").write_bytes(content)
    offset = content.index(b"\xe9")
    code, out, err = run_main(capsys, "run")
    assert (code, out) == (2, "")
    assert err == (
        f"debatebot: invalid settings:\n  .env: the byte at offset {offset} (line 2, column 26) is not UTF-8; "
        "save the file as UTF-8 (it was probably written as Latin-1 or Windows-1252)\n"
    )
    assert "Sup3rSecret" not in err
    assert not operator.exists()


# --- the database file ------------------------------------------------------------------------------


def open_fails(cli: Cli, *commands: str) -> set[tuple[int, str, str]]:
    """Every command's (exit code, stdout, stderr), each started with input that would print something."""
    return {
        (result.returncode, result.stdout, result.stderr)
        for result in (cli.run(*command.split(), stdin="/whosays lecun\n") for command in commands)
    }


def test_database_url_under_a_path_whose_parent_is_a_file(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder\n")
    database = blocker / "sub" / "x.db"
    cli.database = database
    assert open_fails(cli, "console") == {
        (
            2,
            "",
            f"debatebot: DATABASE_URL: {database}: {blocker} is a file, not a folder. Point DATABASE_URL at a file "
            "inside a folder (such as sqlite:///data/debatebot.db), or move that file away.\n",
        )
    }
    assert blocker.read_text() == "not a folder\n"


def test_database_url_at_a_text_file(cli: Cli, tmp_path: Path) -> None:
    cli.database = tmp_path / "notes.txt"
    cli.database.write_text("shopping list: tea, milk\n" * 40)
    assert open_fails(cli, "run", "polls export 1") == {
        (
            2,
            "",
            f"debatebot: DATABASE_URL: {cli.database} is not a SQLite database. Point DATABASE_URL at the bot's "
            "database, or move this file away to start a new one.\n",
        )
    }
    assert cli.database.read_text() == "shopping list: tea, milk\n" * 40
    assert not Path(f"{cli.database}-wal").exists()


async def test_a_database_truncated_while_the_bot_was_stopped(cli: Cli, tmp_path: Path) -> None:
    cli.database = tmp_path / "bot.db"
    store = SQLiteStore(cli.database)
    await store.open()
    try:
        for n in range(40):
            poll = await store.create_poll(poll=new_poll(question=f"Question {n}? " + "x" * 150), now=T0)
            for voter in range(10):
                await store.cast_vote(poll_id=poll.id, user_id=f"u{voter}", option_key="a", now=T0)
    finally:
        await store.close()
    size = cli.database.stat().st_size
    os.truncate(cli.database, size // 2)

    assert open_fails(cli, "run", "polls list") == {
        (
            2,
            "",
            f"debatebot: DATABASE_URL: {cli.database} is damaged (SQLite: database disk image is malformed); it may "
            "have been truncated or overwritten. Restore it from a backup, or move it away (with any -wal and -shm "
            "files next to it) to start a new one.\n",
        )
    }
    assert cli.database.stat().st_size == size // 2, "the damaged file is left as it was"


def _unwritable_system_folder() -> Path:
    folder = Path("/sys")
    try:
        (folder / "debatebot-probe").mkdir()
    except OSError:
        return folder
    (folder / "debatebot-probe").rmdir()
    pytest.skip("no read-only system folder here")


def test_database_url_in_a_read_only_location(cli: Cli) -> None:
    folder = _unwritable_system_folder()
    cli.database = folder / "debatebot-test.db"
    assert open_fails(cli, "run") == {
        (
            2,
            "",
            f"debatebot: DATABASE_URL: cannot open or create {cli.database}: the folder is not writable by this user, "
            "or the path is a folder. Point DATABASE_URL at a file in a writable folder (such as "
            "sqlite:///data/debatebot.db).\n",
        )
    }
    cli.database = folder / "debatebot-test" / "x.db"
    [(code, out, err)] = open_fails(cli, "run")
    assert (code, out) == (2, "")
    assert err.startswith(f"debatebot: DATABASE_URL: {cli.database}: cannot create the folder {cli.database.parent} (")
    assert err.endswith("). Create it with write access for this user, or point DATABASE_URL at a writable location.\n")
    assert err.count("\n") == 1


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path is private to this one)."""
    folder = Path(tempfile.mkdtemp(prefix="debatebot-ro-"))
    folder.chmod(0o755)
    yield folder
    for path in (folder, *folder.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


async def test_a_database_file_the_bot_user_may_not_write(shared_folder: Path) -> None:
    """A database left read-only (restored as another user, a read-only mount): as root, run as ``nobody``."""
    database = shared_folder / "data" / "bot.db"
    store = SQLiteStore(database)
    await store.open()
    try:
        await store.create_poll(poll=new_poll(), now=T0)
    finally:
        await store.close()
    database.chmod(0o444)
    database.parent.chmod(0o555)
    command = [sys.executable, "-m", "bot", "run"]
    if os.geteuid() == 0:  # root may write anything: be nobody (setpriv drops the rights before python starts)
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        closed = [p for p in (REPO, *REPO.parents, Path(sys.executable).parent) if not p.stat().st_mode & 0o001]
        if closed:  # a checkout in `mktemp -d` (mode 700): nobody could not even start Python there
            pytest.skip(f"{closed[0]} is closed to other users, so the bot cannot be run as nobody from it")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    result = subprocess.run(  # noqa: ASYNC221  (the test waits for it; nothing else runs meanwhile)
        command,
        cwd=shared_folder,
        env=clean_env(database, {"PYTHONPATH": str(REPO)}),
        input="/whosays lecun\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr == (
        f"debatebot: DATABASE_URL: {database} is read-only for this user; the bot writes the file and, next to it, "
        "bot.db-wal and bot.db-shm. Give this user write access to the file and its folder, or point DATABASE_URL "
        "at a writable location.\n"
    )


# --- standard output closed early ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "stdin"),
    [
        (("ask", "who thinks open source is the real winner?", "--json"), ""),
        (("whosays", "lecun"), ""),
        (("console",), "/whosays lecun\n/topics\n"),
    ],
    ids=["ask-json", "whosays", "console"],
)
def test_output_closed_early_exits_141_without_a_traceback(cli: Cli, command: tuple[str, ...], stdin: str) -> None:
    """``debatebot ask "x" | head -1``: the reader is gone before the first write, so every write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = cli.run(*command, stdin=stdin, stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 141
    assert result.stderr == ""


# --- signals ------------------------------------------------------------------------------------------


async def start_console_run(cli: Cli) -> asyncio.subprocess.Process:
    """``debatebot run`` without credentials (the console) on a pipe that stays open, after one answered command."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=cli.cwd,
        env=clean_env(cli.database, {"LOG_LEVEL": "INFO"}),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(b"/whosays lecun\n")
    await process.stdin.drain()
    await asyncio.wait_for(process.stdout.readuntil(b"Yann LeCun"), 30)
    return process


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_console_mode_stops_on_a_signal_with_exit_0_and_closes_the_database(
    cli: Cli, sig: signal.Signals
) -> None:
    wal = Path(f"{cli.database}-wal")
    process = await start_console_run(cli)
    try:
        assert wal.is_file(), "the database is open"  # noqa: ASYNC240
        process.send_signal(sig)
        _, err = await asyncio.wait_for(process.communicate(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    log = err.decode()
    assert f"{sig.name} received: finishing the work in progress (at most 10 s), then exiting" in log
    assert f"stopped after {sig.name}: work in progress finished, database closed" in log
    assert "Traceback" not in log
    assert not wal.exists(), "closed cleanly: SQLite removes the WAL file"  # noqa: ASYNC240


async def test_the_discord_bot_stops_on_sigint_with_exit_0(tmp_path: Path) -> None:
    """The real discord.py against the loopback fake, stopped as Ctrl-C in a terminal would."""
    database, log = tmp_path / "bot.db", tmp_path / "bot.log"
    fake = FakeDiscord(token=TOKEN)
    async with fake, discord_process(discord_env(fake, database), tmp_path, log) as process:
        await fake.wait_identified(within=30)
        process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(process.wait(), 15)
    output = log.read_text()
    assert code == 0, output
    assert "SIGINT received: finishing the work in progress (at most 10 s), then exiting" in output
    assert "stopped after SIGINT: work in progress finished, database closed" in output
    assert "Traceback" not in output
    assert TOKEN not in output
    assert not Path(f"{database}-wal").exists()  # noqa: ASYNC240


STUB_RUN = textwrap.dedent(
    """
    import asyncio, logging, sys
    from bot.runner import StopSignals, serve

    class Adapter:
        name = "stub"

        def __init__(self, stop_takes):
            self.stop_takes = stop_takes

        async def run(self):
            await asyncio.Event().wait()

        async def stop(self):
            print("adapter finishing its work in flight", flush=True)
            await asyncio.sleep(self.stop_takes)
            print("adapter finished", flush=True)

    async def stop_scheduler():
        print("scheduler stopped", flush=True)

    async def main():
        with StopSignals(grace=1.0) as signals:
            print("ready", flush=True)
            await serve([Adapter(float(sys.argv[1]))], signals.requested, before_stop=stop_scheduler)
        print("serve returned", flush=True)

    logging.basicConfig(level="INFO", format="%(levelname)s %(message)s")
    asyncio.run(main())
    """
)


async def run_stub(stop_takes: float) -> tuple[int, str, str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        STUB_RUN,
        str(stop_takes),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 30) == b"ready\n"
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode(), time.monotonic() - signalled


async def test_a_shutdown_waits_for_the_adapters_work_in_flight() -> None:
    code, out, err, _ = await run_stub(stop_takes=0.3)
    assert code == 0, err
    assert out.splitlines() == [
        "scheduler stopped",
        "adapter finishing its work in flight",
        "adapter finished",
        "serve returned",
    ]
    assert "INFO SIGTERM received: finishing the work in progress (at most 1 s), then exiting" in err


async def test_a_shutdown_that_hangs_ends_after_the_grace_period_with_a_log_line() -> None:
    code, out, err, took = await run_stub(stop_takes=3600)
    assert code == 1
    assert out.splitlines() == ["scheduler stopped", "adapter finishing its work in flight"]
    assert "ERROR shutdown did not finish within 1 s after SIGTERM; exiting anyway" in err
    assert 0.9 < took < 5


# --- the console's /as ---------------------------------------------------------------------------------

AS_USAGE = (
    'Usage: /as NAME [admin] — one name (a name with spaces goes in "double quotes"), then optionally the word '
    'admin. For example: /as bob, /as mod admin, /as "Ada Lovelace".'
)


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("/as bob admin please", f"/as takes one name and optionally the word admin. {AS_USAGE}"),
        ("/as bob carol", f"/as takes one name and optionally the word admin. {AS_USAGE}"),
        ('/as ""', f"A name is 1 to 100 printable characters, on one line. {AS_USAGE}"),
        ("/as " + "x" * 101, f"A name is 1 to 100 printable characters, on one line. {AS_USAGE}"),
        ('/as "bob\x1b[2J"', f"A name is 1 to 100 printable characters, on one line. {AS_USAGE}"),
    ],
    ids=["three-words", "two-names", "empty", "too-long", "escape"],
)
async def test_as_refuses_anything_but_one_name_and_admin(core: Core, line: str, answer: str) -> None:
    session, out = make_session(core)
    before = session.user
    await session.line(line)
    assert take(out) == answer + "\n"
    assert session.user == before


@pytest.mark.parametrize(
    ("line", "name", "admin"),
    [
        ('/as "Ada Lovelace" admin', "Ada Lovelace", True),
        ("/as “Ada Lovelace”", "Ada Lovelace", False),
        ("/as bob ADMIN", "bob", True),
        ("/as admin", "admin", False),
    ],
)
async def test_as_takes_a_quoted_name_and_a_literal_admin(core: Core, line: str, name: str, admin: bool) -> None:
    session, out = make_session(core)
    await session.line(line)
    assert take(out) == f"You are now {name}{' (admin)' if admin else ''}.\n"
    assert (session.user.id, session.user.display_name, session.user.is_admin) == (name, name, admin)


# --- an export taken while votes are written --------------------------------------------------------


async def test_polls_export_during_a_burst_of_votes_shows_one_moment(cli: Cli) -> None:
    store = SQLiteStore(cli.database)
    await store.open()
    try:
        poll = await store.create_poll(poll=new_poll(keys=("a", "b", "c")), now=T0)
        exports_done = asyncio.Event()

        async def vote() -> int:
            n = 0
            while not exports_done.is_set():
                await store.cast_vote(poll_id=poll.id, user_id=f"u{n}", option_key="abc"[n % 3], now=T0)
                await store.cast_vote(poll_id=poll.id, user_id=f"u{n // 2}", option_key="c", now=T0)
                n += 1
            return n

        async def export() -> dict[str, object]:
            result = await asyncio.to_thread(cli.run, "polls", "export", str(poll.id))
            assert result.returncode == 0, result.stderr
            return dict(json.loads(result.stdout))

        votes = asyncio.create_task(vote())
        exports = [await export() for _ in range(2)]
        exports_done.set()
        voters = await votes
    finally:
        await store.close()
    totals = []
    for data in exports:
        listed = data["voters"]
        assert isinstance(listed, list)
        options = data["options"]
        assert isinstance(options, list)
        assert data["total_votes"] == len(listed) == sum(option["votes"] for option in options)
        for option in options:
            assert option["votes"] == sum(v["option"] == option["id"] for v in listed)
        totals.append(data["total_votes"])
    assert 0 < totals[0] <= totals[1] < voters, "taken while votes were being written"
