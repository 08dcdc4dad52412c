"""A fake Discord to watch the bot work without a Discord account.

    python -m tests.adapters.discord.fake_server --port 8765

It prints the settings that point ``make run`` (or ``debatebot run``) at it, then reads commands
from this terminal as a member of a test server would send them and prints the bot's answers:

    /whosays who:lecun                          /poll question:Who wins? options:USA | China
    /digest subscribe time:08:30                complete /whosays who:le   (autocomplete)
    click 1     (press button 1 of the last poll)       as bob     as mod admin     quit
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
from typing import Any

from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import (
    Actor,
    FakeDiscord,
    Interaction,
    Message,
    buttons,
    message_text,
    unescape,
)

USAGE = """Type as a member of the test server would (the bot's answers appear below):
  /whosays who:lecun      /poll question:Who wins? options:USA | China      /digest subscribe time:08:30
  click N (press button N of the last poll)   complete /whosays who:le (autocomplete)   as bob   as mod admin   quit"""
ADMIN = p.MEMBER | p.MANAGE_MESSAGES | p.MANAGE_CHANNELS | p.MANAGE_GUILD
_OPTION = re.compile(r"(?:^|\s)([a-z_]+):")


class Console:
    """The terminal side: who is typing, the last poll on screen, and printing what the bot sends."""

    def __init__(self) -> None:
        self.actor = Actor(100_000_000_000_000_001, "you")
        self.last_poll: Message | None = None
        self.fake = FakeDiscord(token="fake-token", on_change=self.changed)

    def show(self, heading: str, message: Message) -> None:
        text = unescape(message_text(message)).replace("**", "").replace("`", "")
        print(f"\n{heading}{' (only you see this)' if message.ephemeral else ''}\n{text}")
        if buttons(message):
            self.last_poll = message
            print("  " + "  ".join(f"[{n}] {b['label']}" for n, b in enumerate(buttons(message), start=1)))
        print("> ", end="", flush=True)

    def changed(self, what: str, item: Any) -> None:
        if what == "answer" and isinstance(item, Interaction):
            if item.choices is not None:
                print("\nchoices: " + ", ".join(f"{c['name']} → {c['value']}" for c in item.choices))
                print("> ", end="", flush=True)
            elif item.messages and not self.fake.messages[item.messages[-1]].deleted:
                self.show("bot:", self.fake.messages[item.messages[-1]])
        elif what == "edit" and isinstance(item, Message):
            self.show(f"[poll message {item.id} updated]", item)
        elif what == "message" and isinstance(item, Message):
            self.show("[posted in #general]", item)

    def _command(self, name: str) -> dict[str, Any] | None:
        return next((c for cs in self.fake.commands.values() for c in cs if c["name"] == name), None)

    def parse(self, line: str) -> tuple[str, str | None, dict[str, Any]]:
        """``/name [subcommand] option:value…``; without ``option:``, the text goes to the first text option."""
        name, _, rest = line.removeprefix("/").partition(" ")
        command = self._command(name) or {"options": []}
        options = command.get("options", [])
        subcommand = None
        if options and options[0]["type"] == 1:
            subcommand, _, rest = rest.strip().partition(" ")
            options = next((o.get("options", []) for o in options if o["name"] == subcommand), [])
        values: dict[str, Any] = {}
        parts = _OPTION.split(" " + rest)
        if len(parts) == 1 and rest.strip():
            first = next((o for o in options if o["type"] == 3), None)
            if first is not None:
                values[first["name"]] = rest.strip()
        for key, value in zip(parts[1::2], parts[2::2], strict=True):
            kind = next((o["type"] for o in options if o["name"] == key), 3)
            values[key] = value.strip().lower() in ("true", "yes", "1") if kind == 5 else value.strip()
        return name, subcommand or None, values

    async def line(self, text: str) -> bool:
        text = text.strip()
        words = text.split()
        if not words:
            return True
        if words[0] in ("quit", "/quit", "exit"):
            return False
        if words[0] == "as" and len(words) > 1:
            admin = words[-1] == "admin"
            name = " ".join(words[1:-1] if admin else words[1:])
            self.actor = Actor(100_000_000_000_000_000 + sum(map(ord, name)), name, ADMIN if admin else p.MEMBER)
            print(f"You are now {name}{' (Manage Messages, Manage Channels, Manage Server)' if admin else ''}.")
        elif words[0] in ("click", "press") or text.isdigit():
            number = int(words[-1]) if words[-1].isdigit() else 0
            shown = buttons(self.last_poll) if self.last_poll else []
            if not 1 <= number <= len(shown) or self.last_poll is None:
                print("No such button on the last poll.")
            else:
                await self.fake.click(self.last_poll, shown[number - 1]["custom_id"], self.actor)
        elif words[0] == "complete" and len(words) > 1:
            name, subcommand, values = self.parse(text.removeprefix("complete").strip())
            focused = list(values)[-1] if values else ""
            await self.fake.autocomplete(name, self.actor, focused, str(values.get(focused, "")), subcommand)
        elif text.startswith("/"):
            name, subcommand, values = self.parse(text)
            await self.fake.slash(name, self.actor, subcommand, **values)
        else:
            print("Commands start with /, e.g. /whosays who:lecun. Also: click N, as NAME [admin], complete …, quit.")
        return True


async def main(port: int) -> None:
    console = Console()
    await console.fake.start(port)
    print(f"Fake Discord listening on 127.0.0.1:{console.fake.port}. In another terminal, run the bot against it:\n")
    print("  " + " ".join(f"{key}={value}" for key, value in console.fake.env().items()) + " make run\n")
    print("Waiting for the bot to connect…", flush=True)
    try:
        await console.fake.wait_identified(within=3600)
        print(f"Bot connected; {sum(len(c) for c in console.fake.commands.values())} commands synced.")
        print(USAGE)
        print("> ", end="", flush=True)
        running = True
        while running:
            running = await console.line(await asyncio.to_thread(sys.stdin.readline) or "quit")
    finally:
        await console.fake.stop()


def run() -> None:
    parser = argparse.ArgumentParser(description="A fake Discord on 127.0.0.1 for watching debatebot answer.")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free port)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.port))


if __name__ == "__main__":
    run()
