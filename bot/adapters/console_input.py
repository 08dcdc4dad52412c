"""Reading the console's input without holding up a shutdown.

A line is read in a daemon thread, so a stop request (SIGTERM, Ctrl-C) does not wait for the next line
of a pipe or terminal: the read is abandoned and the process can exit. A terminal's settings are saved
first and put back at the end, since an abandoned ``input()`` leaves line editing's raw mode behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

PROMPT = "debatebot> "


class LineReader:
    """``await reader.next_line(stopping)``: the next line, or ``None`` at end of input or once ``stopping`` is set."""

    def __init__(self, stdin: TextIO) -> None:
        self.stdin = stdin
        self.interactive = stdin.isatty()
        reconfigure = getattr(stdin, "reconfigure", None)
        if reconfigure is not None:  # bytes that are not UTF-8 become U+FFFD instead of ending the session
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")
        self._pending: asyncio.Future[str] | None = None
        self._tty: list[Any] | None = None

    def __enter__(self) -> LineReader:
        if self.interactive:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (line editing and history when available)
            with contextlib.suppress(ImportError, OSError, ValueError):
                import termios

                self._tty = termios.tcgetattr(self.stdin.fileno())
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._tty is not None:
            import termios

            with contextlib.suppress(OSError, ValueError):
                termios.tcsetattr(self.stdin.fileno(), termios.TCSADRAIN, self._tty)

    async def next_line(self, stopping: asyncio.Event | None = None) -> str | None:
        if stopping is not None and stopping.is_set():
            return None
        if self._pending is None:
            self._pending = _in_daemon_thread(self._read)
        waits: list[asyncio.Future[Any]] = [self._pending]
        stop_wait = asyncio.ensure_future(stopping.wait()) if stopping is not None else None
        if stop_wait is not None:
            waits.append(stop_wait)
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if stop_wait is not None:
                stop_wait.cancel()
        if not self._pending.done():
            return None  # stopping: the read is left to its daemon thread
        pending, self._pending = self._pending, None
        try:
            text = pending.result()
        except (EOFError, KeyboardInterrupt):
            return None
        return None if text == "" and not self.interactive else text

    def _read(self) -> str:
        return input(PROMPT) if self.interactive else self.stdin.readline()


def _in_daemon_thread(read: Callable[[], str]) -> asyncio.Future[str]:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def work() -> None:
        try:
            text = read()
        except BaseException as exc:
            error = exc
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
                loop.call_soon_threadsafe(settle, lambda: future.set_exception(error))
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, lambda: future.set_result(text))

    threading.Thread(target=work, name="console-input", daemon=True).start()
    return future
