"""A fake Slack to watch the bot with, no workspace needed: ``python -m tests.adapters.slack.fake_server``.

It prints the settings to start the bot against it (Socket Mode), then reads what you type: a slash
command, a mention, a direct message, or a button number. What the bot sends is printed as text.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
from typing import Any

from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack

HELP = """Type:
  /whosays lecun               a slash command (/whosays /ask /compare /topic /poll /digest /debatehelp)
  /poll                        opens the poll form; then: form Question? | Option 1 | Option 2
  @ who thinks open source wins?   a question, mentioning the bot in #general
  dm help                      a direct message to the bot
  2                            press button 2 of the last poll shown
  as bob                       act as another user (the bot's SLACK_ADMIN_USER_IDS decide who is an admin)
  quit"""


def plain(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("*", "")


def shown(text: dict[str, Any]) -> str:
    """A text object as Slack shows it: ``plain_text`` as is, ``mrkdwn`` without its markup."""
    return str(text.get("text", "")) if text.get("type") == "plain_text" else plain(str(text.get("text", "")))


def as_text(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """A message's blocks as terminal lines, and its buttons."""
    lines: list[str] = []
    buttons: list[dict[str, Any]] = []
    for block in message.get("blocks") or []:
        if block["type"] in ("header", "section") and "text" in block:
            lines.append(shown(block["text"]))
        for field in block.get("fields") or []:
            lines.append(shown(field).replace("\n", ": ", 1))
        if block["type"] == "context":
            lines.append("  " + " ".join(shown(e) for e in block["elements"]))
        if block["type"] == "actions":
            buttons = list(block["elements"])
            lines.append("  " + "  ".join(f"[{n}] {b['text']['text']}" for n, b in enumerate(buttons, 1)))
    return "\n".join(lines) or plain(str(message.get("text") or "")), buttons


class Terminal:
    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self.user = "UYOU"
        self.buttons: list[dict[str, Any]] = []
        self.poll_message: tuple[str, str] | None = None
        self.form: dict[str, Any] | None = None
        slack.on_post = self.show

    def show(self, kind: str, message: dict[str, Any]) -> None:
        if kind == "views.open":
            self.form = message["view"]
            print("\n(the bot opened the poll form) type: form Question? | Option 1 | Option 2", flush=True)
            return
        text, buttons = as_text(message)
        where = {"chat.update": "poll message updated", "chat.postEphemeral": "only you see this"}.get(kind, "")
        if kind == "response_url":
            where = "only you see this" if message.get("response_type") == "ephemeral" else "in #general"
        if kind == "chat.postMessage":
            where = "direct message" if str(message.get("channel", "")).startswith("D") else "in #general"
        print(f"\n--- bot ({where}) ---\n{text}\n", flush=True)
        if buttons:
            self.buttons = buttons
            if kind in ("chat.postMessage", "chat.update"):
                ts = message.get("ts") or next(reversed(self.slack.messages))[1]
                self.poll_message = (str(message.get("channel")), str(ts))

    async def line(self, text: str) -> bool:
        text = text.strip()
        if text in ("quit", "exit"):
            return False
        if not text:
            return True
        _, url = self.slack.new_response_url()
        if text.startswith("as "):
            self.user = "U" + text[3:].strip().upper()[:20]
            print(f"You are now {self.user}.")
        elif text.isdigit() and self.buttons and self.poll_message and 1 <= int(text) <= len(self.buttons):
            action = self.buttons[int(text) - 1]["action_id"]
            channel, ts = self.poll_message
            press = payloads.button_press(action, user=self.user, message_ts=ts, response_url=url, channel=channel)
            await self.slack.socket.send("interactive", press)
        elif text.startswith("form ") and self.form is not None:
            question, _, options = text[5:].partition("|")
            state = payloads.form_state(question.strip(), "\n".join(o.strip() for o in options.split("|")))
            await self.slack.socket.send("interactive", payloads.form_submission(self.form, state, user=self.user))
        elif text.startswith("/"):
            command, _, rest = text.partition(" ")
            await self.slack.socket.send(
                "slash_commands", payloads.slash_command(command, rest, user=self.user, response_url=url)
            )
        elif text.startswith("@"):
            await self.slack.socket.send(
                "events_api", payloads.mention(f"<@{self.slack.bot_user_id}> {text[1:]}", user=self.user)
            )
        elif text.startswith("dm "):
            await self.slack.socket.send(
                "events_api", payloads.direct_message(text[3:], user=self.user, channel="D0YOU")
            )
        else:
            print(HELP)
        return True


def read_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    for line in sys.stdin:
        loop.call_soon_threadsafe(queue.put_nowait, line)
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def main(port: int) -> None:
    slack = await FakeSlack().start(port)
    terminal = Terminal(slack)
    print(f"Fake Slack on http://127.0.0.1:{slack.port} (Web API, response_url, Socket Mode).\n")
    print("Start the bot against it in another terminal, from the repository:\n")
    print(f"  SLACK_BOT_TOKEN={BOT_TOKEN} SLACK_APP_TOKEN={APP_TOKEN} SLACK_API_BASE_URL={slack.base_url} make run\n")
    print(HELP, flush=True)
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=read_lines, args=(asyncio.get_running_loop(), queue), daemon=True).start()
    try:
        await slack.socket.wait_connected(within=3600)
        print("\n(the bot is connected)", flush=True)
        while (line := await queue.get()) is not None and await terminal.line(line):
            pass
    finally:
        await slack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(parser.parse_args().port))
