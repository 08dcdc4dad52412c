"""The ``debatebot`` command: run the bot, open the console, check the knowledge base, query and export."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app import build_app, build_services
from bot.core.clock import SystemClock
from bot.core.core import Core
from bot.core.errors import UserError
from bot.core.parsing import validate_args
from bot.core.request import Request, User
from bot.exports import export_csv, export_json, poll_summaries_json
from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.settings import Settings, SettingsError, load_settings
from bot.store.port import StoreError
from bot.store.sqlite import SQLiteStore

logger = logging.getLogger("bot")


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"debatebot: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return _dispatch(args, settings)
    except KnowledgeError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"debatebot: database {settings.database_path}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "kb":
        directory = args.directory or settings.knowledge_dir
        kb = load_knowledge(directory)
        claims = len(kb.claims)
        print(f"knowledge base OK: {len(kb.commentators)} commentators, {claims} claims, {len(kb.topics)} topics")
        return 0
    if args.command in ("ask", "whosays"):
        return _query(args, settings)
    if args.command == "polls":
        return asyncio.run(_polls(args, settings))
    return asyncio.run(_run(args.command, settings))


async def _run(command: str, settings: Settings) -> int:
    from bot.adapters.console import ConsolePublisher, run_console
    from bot.runner import AdapterFatal, configured_adapters, serve

    app = build_app(settings)
    logger.info("knowledge base: %d commentators, %d claims", len(app.kb.commentators), len(app.kb.claims))
    await app.start()
    try:
        adapters = configured_adapters(app) if command == "run" else []
        if not adapters:
            app.scheduler.publishers[ConsolePublisher.platform] = ConsolePublisher(sys.stdout)
            app.start_scheduler()
            await run_console(app.core)
            return 0
        logger.info("starting %s", ", ".join(adapter.name for adapter in adapters))
        app.start_scheduler()  # each adapter registers its publisher with the scheduler once connected
        try:
            await serve(adapters)
        except AdapterFatal as exc:
            print(f"debatebot: {exc}", file=sys.stderr)
            return 1
        return 0
    finally:
        await app.stop()


def _query(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_query import ask_json, whosays_json

    services = build_services(settings, SQLiteStore(settings.database_path), SystemClock())
    core = Core(services)
    name, text = ("ask", args.question) if args.command == "ask" else ("whosays", args.name)
    command = core.registry.get(name)
    assert command is not None
    try:
        validate_args(command, {command.args[0].name: text})
    except UserError as exc:
        print(f"debatebot: {exc}", file=sys.stderr)
        return 2
    if args.json:
        payload = ask_json(services, text) if name == "ask" else whosays_json(services, text)
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 1 if name == "whosays" and payload["commentator"] is None else 0
    request = Request(
        platform="cli",
        workspace="local",
        channel="cli",
        user=User(id="cli"),
        command=name,
        args={command.args[0].name: text},
    )
    answer = asyncio.run(core.handle(request))
    print(answer.fallback)
    return 1 if answer.error else 0


async def _polls(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.database_path.exists():
        print(f"debatebot: no database at {settings.database_path} (set DATABASE_URL)", file=sys.stderr)
        return 1
    store = SQLiteStore(settings.database_path)
    await store.open()
    try:
        if args.polls_command == "list":
            summaries = await store.list_polls()
            if args.json:
                print(json.dumps(poll_summaries_json(summaries), ensure_ascii=False, indent=2))
            else:
                for s in summaries:
                    state = "closed" if s.closed else "open"
                    print(f"#{s.id}\t{state}\t{s.total_votes} votes\t{s.platform}/{s.channel}\t{s.question}")
            return 0
        poll = await store.get_poll(poll_id=args.poll_id)
        if poll is None:
            print(f"debatebot: there is no poll #{args.poll_id}", file=sys.stderr)
            return 1
        tally = await store.tally(poll_id=poll.id)
        voters = [] if poll.anonymous else await store.voters(poll_id=poll.id)
        if args.format == "csv":
            sys.stdout.write(export_csv(poll, tally, voters))
        else:
            print(json.dumps(export_json(poll, tally, voters), ensure_ascii=False, indent=2))
        return 0
    finally:
        await store.close()
