"""The ``debatebot`` command: run the bot, open the console, check the knowledge base, query and export, and look
after the database schema (``db``, in :mod:`bot.cli_db`).

Exit status: 0 done; 1 the command failed (a bad knowledge base, an unknown poll, a fatal platform error, a schema
that is not current);
2 a setting is wrong (the message names it); 130 interrupted; 141 standard output was closed early
(``debatebot ask "x" | head -1``), as for any program killed by SIGPIPE, but without a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app import App, build_app
from bot.cli_db import add_db_parser
from bot.core.ports import StoreError
from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.ops import OpsServerError
from bot.ops.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.store.sqlite_errors import DatabaseFileError

logger = logging.getLogger("bot")

EXIT_BROKEN_PIPE = 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="debatebot", description="Argue well about a live debate, with sources.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start every adapter whose credentials are set (none: the console)")
    sub.add_parser("console", help="the chat commands in this terminal (or from a pipe)")
    kb = sub.add_parser("kb", help="knowledge base tools").add_subparsers(dest="kb_command", required=True)
    check = kb.add_parser("check", help="validate a knowledge base directory and report every problem")
    check.add_argument("directory", nargs="?", type=Path, help="default: KNOWLEDGE_DIR or the shipped one")
    ask = sub.add_parser("ask", help="ask the knowledge base a question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="machine-readable output")
    who = sub.add_parser("whosays", help="a commentator's card")
    who.add_argument("name")
    who.add_argument("--json", action="store_true", help="machine-readable output")
    polls = sub.add_parser("polls", help="read polls from the database (works while the bot runs)")
    polls_sub = polls.add_subparsers(dest="polls_command", required=True)
    listing = polls_sub.add_parser("list", help="every poll, newest first")
    listing.add_argument("--json", action="store_true")
    export = polls_sub.add_parser("export", help="one poll's results")
    export.add_argument("poll_id", type=int)
    export.add_argument("--format", choices=("json", "csv"), default="json")
    add_db_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # inside the try: a reader that went away is reported here, not at exit
    except BrokenPipeError:
        # Whoever read our output stopped early (`| head -1`): nothing left to say, and nobody to say it to.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"debatebot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        return _dispatch(args, settings)
    except OpsServerError as exc:
        print(f"debatebot: {exc}", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except DatabaseFileError as exc:
        print(f"debatebot: DATABASE_URL: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"debatebot: database {settings.database.shown}: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        print(f"debatebot: database {settings.database.shown}: SQLite error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_query import run_polls, run_query

    if args.command == "kb":
        directory = args.directory or settings.knowledge_dir
        kb = load_knowledge(directory)
        claims = len(kb.claims)
        print(f"knowledge base OK: {len(kb.commentators)} commentators, {claims} claims, {len(kb.topics)} topics")
        return 0
    if args.command in ("ask", "whosays"):
        return run_query(args, settings)
    if args.command == "polls":
        return asyncio.run(run_polls(args, settings))
    if args.command == "db":
        from bot.cli_db import run_db

        return asyncio.run(run_db(args, settings))
    return asyncio.run(_run(args.command, settings))


async def _run(command: str, settings: Settings) -> int:
    """``run`` and ``console``: until end of input, a fatal error, or SIGINT/SIGTERM (then a bounded shutdown)."""
    from bot.ops.server import ops_server
    from bot.runner import StopSignals, settle_heap

    with StopSignals() as signals:
        app = build_app(settings)
        logger.info("knowledge base: %d commentators, %d claims", len(app.kb.commentators), len(app.kb.claims))
        async with ops_server(app, signals.requested):  # with OPS_PORT: up first, down last
            await app.start()
            settle_heap()
            try:
                return await _serve(app, command, signals.requested)
            finally:
                await app.stop()
                if signals.received:
                    logger.info("stopped after %s: work in progress finished, database closed", signals.received)


async def _serve(app: App, command: str, stopping: asyncio.Event) -> int:
    from bot.adapters.console import ConsolePublisher, run_console
    from bot.runner import AdapterFatal, configured_adapters, serve

    adapters = configured_adapters(app) if command == "run" else []
    for adapter in adapters:
        app.readiness.add_flag(adapter.name, adapter.is_ready)
    if not adapters:
        app.attach(ConsolePublisher(sys.stdout), redraw_interval=0.0)  # a poll's message is printed at once
        app.start_scheduler()
        app.readiness.add_flag("console", lambda: True)  # ready while it reads: the process ends with the input
        await run_console(app.core, stopping=stopping)
        return 0
    logger.info("starting %s", ", ".join(adapter.name for adapter in adapters))
    app.start_scheduler()  # each adapter registers its publisher with the scheduler once connected
    try:
        await serve(adapters, stopping, before_stop=app.stop_scheduler)
    except AdapterFatal as exc:
        print(f"debatebot: {exc}", file=sys.stderr)
        return 1
    return 0
