"""``kill -9`` in the middle of a burst of poll clicks: every vote the bot said was in is still there after a restart.

The bot runs as people run it (``python -m bot run``, a subprocess) against the fake Discord, on a fresh
SQLite file. A thousand distinct members press a vote button at once; once a share drawn between 20% and
80% of them (of those still answerable) have been told "Your vote for “…” is in.", the bench sends SIGKILL:
no shutdown, no flush. Then an operator's restart on the same ``DATABASE_URL``, the ``votes`` table read
with sqlite3, and one more click to show the restarted bot still counts. Answers the killed bot had sent
but the fake read only after the signal are held to the same rule.

Why: a user who was told their vote counted must find it counted, whatever happens to the process
afterwards. Today every vote is committed before it is answered; a faster write path (several votes per
commit) must keep that order, and this bench is the guard. A vote stored but never answered is allowed
(the process died between the two) and only reported.

    python -m bench.crash
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import Report
from tests.adapters.discord.fake_discord import Actor, FakeDiscord, Interaction, Message, buttons, unescape

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-Y3Jhc2g.c2VjcmV0"
CREATOR = Actor(100_000_000_000_000_001, "Alice")
FIRST_MEMBER = 300_000_000_000_000_000
"""Member ``n`` of the burst has id ``FIRST_MEMBER + n``; the member clicking after the restart comes after them."""
KILL_BETWEEN = (0.2, 0.8)
"""The kill lands when this share (drawn at random in the range, per run) of the clicks that can still be answered
(not refused by the fake as later than Discord's 3 s) has been answered."""
START_WITHIN = 30.0
"""Seconds a bot process may take to identify with the fake."""
BURST_WITHIN = 20.0
"""Seconds after the last click to wait for the kill point before killing anyway (the check then says so)."""
TICK = 0.05
"""Seconds between recounts of the refused clicks, which move the kill point (the fake reports no event for them)."""
VOTE_IS_IN = re.compile(r"Your vote for “(.+?)” is in\.")
"""The answer to a vote that was recorded (bot/core/commands/polls.py), as Discord displays it."""


def refused(interaction: Interaction) -> bool:
    """Whether the fake refused the bot's first response as too late (404, code 10062): it can never be answered."""
    return not interaction.acknowledged and any(status == 404 for status, _, _ in interaction.callbacks)


class Burst:
    """Clicks on their way and which of them were told their vote is in, before and after SIGKILL went out."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.clicks: dict[int, tuple[int, str]] = {}
        """Interaction id → (member id, label of the button pressed)."""
        self.before_kill: dict[int, str] = {}
        """Interaction id → the option its answer said the vote is in for."""
        self.after_kill: dict[int, str] = {}
        """The same, for answers the killed process had sent that reached the fake only after the signal went out."""
        self.share = 1.0
        self.kill_at = 0
        self.victim: asyncio.subprocess.Process | None = None
        self.killed = asyncio.Event()
        self.waiting_at_kill = (0, 0, 0)
        """Clicks without an answer when the signal went out: (deferred, refused as too late, not acknowledged yet)."""

    def changed(self, what: str, item: Any) -> None:
        """The fake's ``on_change``: an answer that says a vote is in counts, and may trigger the kill."""
        if what != "answer" or not isinstance(item, Interaction):
            return
        for message in item.messages:
            found = VOTE_IS_IN.search(unescape(self.fake.messages[message].content or ""))
            if found is not None:
                (self.after_kill if self.killed.is_set() else self.before_kill)[item.id] = found.group(1)
                self.kill_if_due()

    def members(self, answers: dict[int, str]) -> set[int]:
        """The members of the burst among ``answers`` who were told their vote for the option they pressed is in."""
        return {member for click, (member, label) in self.clicks.items() if answers.get(click) == label}

    def recount(self) -> None:
        """Move the kill point to ``share`` of the clicks not refused so far, and kill if it has been reached."""
        answerable = sum(not refused(self.fake.interactions[click]) for click in self.clicks)
        self.kill_at = math.ceil(self.share * answerable)
        self.kill_if_due()

    async def kill_mid_burst(self, victim: asyncio.subprocess.Process, share: float) -> bool:
        """SIGKILL ``victim`` once ``share`` of the answerable clicks are answered; ``False`` if forced after a wait."""
        self.victim, self.share = victim, share
        waited = time.monotonic()
        while not self.killed.is_set() and time.monotonic() - waited < BURST_WITHIN:
            self.recount()
            await asyncio.sleep(TICK)
        reached = self.killed.is_set()
        self.kill_if_due(force=True)
        return reached

    def kill_if_due(self, force: bool = False) -> None:
        if self.victim is None or self.killed.is_set() or not (force or len(self.before_kill) >= self.kill_at):
            return
        self.victim.send_signal(signal.SIGKILL)  # synchronously: no answer can slip in between count and kill
        self.killed.set()
        waiting = [self.fake.interactions[click] for click in self.clicks if click not in self.before_kill]
        late = sum(refused(i) for i in waiting)
        deferred = sum(i.acknowledged for i in waiting)
        self.waiting_at_kill = deferred, late, len(waiting) - deferred - late


def bot_env(fake: FakeDiscord, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "DATABASE_"))}
    env.update(fake.env(), DATABASE_URL=f"sqlite:///{database}", PYTHONPATH=str(ROOT), LOG_LEVEL="INFO")
    return env


async def start_bot(fake: FakeDiscord, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """``python -m bot run``, returned once it has identified with ``fake``."""
    fake.identified.clear()
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    identified = asyncio.ensure_future(fake.identified.wait())
    exited = asyncio.ensure_future(process.wait())
    await asyncio.wait({identified, exited}, timeout=START_WITHIN, return_when=asyncio.FIRST_COMPLETED)
    identified.cancel()
    exited.cancel()
    if not fake.identified.is_set():
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise RuntimeError(
            f"the bot did not identify within {START_WITHIN:g} s (exit {process.returncode}):\n{log_tail(log)}"
        )
    return process


def log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


def stored_voters(database: Path, poll_id: int) -> set[int]:
    """Member ids with a row in ``votes`` for ``poll_id``, read with the standard library's sqlite3."""
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
        rows = db.execute("SELECT DISTINCT user_id FROM votes WHERE poll_id = ?", (poll_id,)).fetchall()
    return {int(user_id) for (user_id,) in rows}


async def burst(fake: FakeDiscord, watch: Burst, poll: Message, votes: list[dict[str, Any]], clicks: int) -> None:
    """``clicks`` members press a vote button each, alternating between the first two, as fast as the fake sends."""
    for n in range(clicks):
        button = votes[n % 2]
        sent = await fake.click(poll, button["custom_id"], Actor(FIRST_MEMBER + n, f"Member {n}"))
        watch.clicks[sent.id] = (FIRST_MEMBER + n, button["label"])


async def run(report: Report, clicks: int = 1000) -> None:
    """The whole scenario, on a fresh temporary database; findings go to ``report``."""
    report.section(f"kill -9 during a burst of {clicks} poll clicks, then a restart")
    with tempfile.TemporaryDirectory(prefix="debatebot-crash-") as tmp:
        database, log = Path(tmp) / "bot.db", Path(tmp) / "bot.log"
        fake = FakeDiscord(token=TOKEN)
        watch = Burst(fake)
        fake.on_change = watch.changed
        processes: list[asyncio.subprocess.Process] = []
        try:
            await fake.start()
            env = bot_env(fake, database)
            processes.append(await start_bot(fake, env, log))
            poll = await fake.answer(await fake.slash("poll", CREATOR, question="Who wins? | USA | China"))
            votes = [b for b in buttons(poll) if b["custom_id"].startswith("vote:")]
            poll_id = int(votes[0]["custom_id"].split(":")[1])

            kill_share = random.uniform(*KILL_BETWEEN)
            started = time.monotonic()
            await burst(fake, watch, poll, votes, clicks)
            sent_in = time.monotonic() - started
            reached = await watch.kill_mid_burst(processes[0], kill_share)
            killed_after = time.monotonic() - started
            answered = watch.members(watch.before_kill)
            deferred, expired, unacknowledged = watch.waiting_at_kill
            await processes[0].wait()

            processes.append(await start_bot(fake, env, log))
            stored = stored_voters(database, poll_id)

            late = Actor(FIRST_MEMBER + clicks, "Late member")
            last_click = await fake.click(poll, votes[1]["custom_id"], late)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(last_click.answered.wait(), 10)
            last = unescape("".join(fake.messages[m].content or "" for m in last_click.messages))
            said = VOTE_IS_IN.search(last)
            last_answered = said is not None and said.group(1) == votes[1]["label"]
            last_stored = late.id in stored_voters(database, poll_id)

            processes[1].send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(processes[1].wait(), 15)
            exit_code = processes[1].returncode
        finally:
            for process in processes:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            await fake.stop()

    answerable = clicks - expired
    share = len(answered) / answerable if answerable else 0.0
    low, high = KILL_BETWEEN
    report.info(f"clicks sent: {clicks} in {sent_in:.2f} s; SIGKILL {killed_after:.2f} s after the first")
    report.info(
        f"at the kill: {len(answered)} answered, {deferred} deferred and not yet answered, "
        f"{unacknowledged} not yet acknowledged, {expired} refused as too late (past Discord's 3 s: 404)"
    )
    report.check(
        "the kill landed mid-burst",
        reached and low <= share <= high and deferred + unacknowledged > 0,
        f"{share:.0%} of the {answerable} answerable clicks answered (aimed at {kill_share:.0%}, "
        f"window {low:.0%}–{high:.0%}), {deferred + unacknowledged} still in the works"
        + ("" if reached else f"; the kill point was not reached within {BURST_WITHIN:g} s"),
    )
    in_flight = watch.members(watch.after_kill) - answered
    missing = (answered | in_flight) - stored
    report.info(f"votes in the database after the restart: {len(stored)}")
    report.info(f"answers the killed bot had sent that arrived after the signal: {len(in_flight)} (checked as well)")
    report.info(f"stored but never answered: {len(stored - answered - in_flight)} (allowed)")
    report.check(
        "kill -9 mid-burst: every answered vote survives",
        not missing,
        f"{len(answered)} answered before the kill (+{len(in_flight)} in flight), {len(stored)} stored, "
        f"{len(missing)} answered but missing" + (f" (e.g. member {min(missing)})" if missing else ""),
    )
    report.check(
        "the restarted bot answers and counts a new click",
        last_answered and last_stored,
        f"answered {'yes' if last_answered else 'no'} ({last or 'no answer within 10 s'!r}); "
        f"in votes: {'yes' if last_stored else 'no'}",
    )
    report.info(
        f"the restarted bot exited with {exit_code} on SIGTERM"
        if exit_code is not None
        else "the restarted bot was still running 15 s after SIGTERM (killed)"
    )


if __name__ == "__main__":
    outcome = Report()
    asyncio.run(run(outcome))
    sys.exit(1 if outcome.failed() else 0)
