"""The console adapter: the chat commands in a terminal, or from a pipe.

Buttons are shown numbered and pressed by typing the number; ``/as NAME`` switches
the simulated user so polls can be tried with several voters. A line without the slash
runs when its first word is a command (``whosays lecun``); other text is not run, and the
answer shows how to ask it as a question.
"""

from __future__ import annotations

import asyncio
import getpass
import re
import sys
from typing import TextIO

from bot.adapters.console_input import LineReader
from bot.core.actions import Action
from bot.core.core import Core
from bot.core.errors import UserError
from bot.core.inbound import action_request, line_request
from bot.core.models import ChannelRef, Poll
from bot.core.parsing import MAX_LINE, tokenize
from bot.core.render_text import error_reply, render_text
from bot.core.reply import Button, PollView, Reply
from bot.core.request import Request, User
from bot.core.suggest import help_hint

_BUTTON_NUMBER = re.compile(r"^[0-9]{1,3}$")
PLATFORM, WORKSPACE, CHANNEL = "console", "local", "console"
MAX_NAME = 100
AS_USAGE = (
    'Usage: /as NAME [admin] — one name (a name with spaces goes in "double quotes"), then optionally the word '
    'admin. For example: /as bob, /as mod admin, /as "Ada Lovelace".'
)
BANNER = (
    "debatebot console. Try /whosays lecun, /ask who thinks open source is the real winner?, /poll whos-losing, "
    "/help.\n/as NAME [admin] switches user; a number presses a button; /quit leaves."
)


class ConsoleSession:
    """One console conversation: the current user and the last buttons shown."""

    def __init__(self, core: Core, out: TextIO, user: User | None = None) -> None:
        self.core = core
        self.out = out
        name = _login_name()
        self.user = user or User(id=name, display_name=name, is_admin=True)
        self.buttons: tuple[Button, ...] = ()

    def write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, answer: Reply) -> None:
        prefix = "(only you see this) " if answer.ephemeral else ""
        self.write(prefix + answer.fallback)
        if answer.poll is not None:
            self._show_buttons(answer.poll)

    def _show_buttons(self, poll: PollView) -> None:
        self.buttons = poll.buttons
        if poll.buttons:
            self.write("  " + "  ".join(f"[{n}] {b.label}" for n, b in enumerate(poll.buttons, start=1)))

    async def line(self, text: str) -> bool:
        """Handle one line; ``False`` when the session should end."""
        text = text.strip()
        if not text:
            return True
        if text in ("/quit", "/exit"):
            return False
        if text.split()[0] == "/as":
            self._switch_user(tokenize(text)[1:])
            return True
        if _BUTTON_NUMBER.match(text):
            await self._press(int(text))
            return True
        if not text.startswith("/") and not text.isdigit() and len(text) <= MAX_LINE:
            command = self.core.registry.get(text.split(maxsplit=1)[0])
            if command is None or command.hidden:
                self.show(error_reply(missing_slash(text)))
                return True
            text = "/" + text
        try:
            request = line_request(
                self.core.registry, text, platform=PLATFORM, workspace=WORKSPACE, channel=CHANNEL, user=self.user
            )
        except UserError as exc:
            self.show(self.core.refused(exc, PLATFORM))
            return True
        await self._answer(request)
        return True

    async def _answer(self, request: Request) -> None:
        self.show(await self.core.handle(request))
        await self.core.redrawer.flush()  # the poll's own "message" (see ConsolePublisher) prints before the prompt

    def _switch_user(self, words: list[str]) -> None:
        """``/as NAME [admin]``: exactly one name and an optional literal ``admin``; anything else gets the usage."""
        if not words:
            self.write(f"You are {self.user.id}{' (admin)' if self.user.is_admin else ''}. {AS_USAGE}")
            return
        admin = len(words) == 2 and words[1].casefold() == "admin"
        name = words[0].strip()
        if len(words) > 2 or (len(words) == 2 and not admin):
            self.write(f"/as takes one name and optionally the word admin. {AS_USAGE}")
        elif not name or not name.isprintable() or len(name) > MAX_NAME:
            self.write(f"A name is 1 to {MAX_NAME} printable characters, on one line. {AS_USAGE}")
        else:
            self.user = User(id=name, display_name=name, is_admin=admin)
            self.write(f"You are now {name}{' (admin)' if admin else ''}.")

    async def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.write("No button with that number is on screen." if self.buttons else "There are no buttons to press.")
            return
        action = Action.unpack(self.buttons[number - 1].action_id)
        assert action is not None, "the core draws only its own actions on buttons"
        await self._answer(
            action_request(action, platform=PLATFORM, workspace=WORKSPACE, channel=CHANNEL, user=self.user)
        )


class ConsolePublisher:
    """Scheduled posts (digests, poll results) printed to the console."""

    platform = PLATFORM

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.posted = 0

    async def post(self, *, channel: ChannelRef, reply: Reply, run_key: str) -> str:
        self.posted += 1
        self.out.write(f"\n[posted in #{channel.channel}]\n{reply.fallback}\n")
        self.out.flush()
        return f"console:{self.posted}"

    async def find_posted(self, *, channel: ChannelRef, run_key: str) -> str | None:
        return None  # a console keeps no history across runs

    async def update_poll(self, *, poll: Poll, view: PollView) -> None:
        self.out.write("\n[poll message updated]\n" + render_text([view]) + "\n")
        self.out.flush()


def missing_slash(text: str) -> str:
    """The answer to typed text that is neither a command nor a button number: it was probably a question."""
    mark = "" if text.endswith("?") else "?"
    return f"Commands start with a slash. Did you mean: /ask {text}{mark} {help_hint()}"


def _login_name() -> str:
    try:
        return getpass.getuser() or "you"
    except (KeyError, OSError):
        return "you"


async def run_console(
    core: Core, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout, stopping: asyncio.Event | None = None
) -> None:
    """Read commands until end of input, /quit or ``stopping``. A terminal gets a prompt; a pipe is read line by line.

    Once ``stopping`` is set no further line is read; a command already running finishes first.
    """
    session = ConsoleSession(core, out)
    with LineReader(stdin) as reader:
        if reader.interactive:
            session.write(BANNER)
        while (text := await reader.next_line(stopping)) is not None:
            if not reader.interactive and text.strip():
                session.write(f"> {text.strip()}")
            if not await session.line(text):
                break
            session.write("")
        if reader.interactive and stopping is not None and stopping.is_set():
            session.write("")  # end the abandoned prompt's line
