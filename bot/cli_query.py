"""The CLI's read commands: ``ask``, ``whosays`` (and their ``--json`` shapes) and ``polls list/export``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from bot.app import build_services
from bot.core.clock import SystemClock
from bot.core.core import Core
from bot.core.errors import UserError
from bot.core.parsing import validate_args
from bot.core.request import Request, User
from bot.core.services import Services
from bot.exports import export_csv, export_json, poll_summaries_json
from bot.knowledge.base import CitedClaim
from bot.settings import Settings
from bot.store.factory import store_for
from bot.store.urls import Backend


def _claim_json(services: Services, cited: CitedClaim) -> dict[str, Any]:
    return {
        "commentator": cited.commentator.id,
        "name": cited.commentator.name,
        "claim_id": cited.claim.id,
        "text": cited.claim.text,
        "kind": cited.claim.kind,
        "source": services.kb.source_title(cited.claim.source),
    }


def ask_json(services: Services, question: str) -> dict[str, Any]:
    result = services.search.search(question)
    return {
        "question": question,
        "outcome": result.outcome,
        "named": list(result.named),
        "excluded": list(result.question.excluded),
        "outsider": result.question.outsider,
        "answers": [{**_claim_json(services, a.cited), "score": a.score} for a in result.answers],
    }


def whosays_json(services: Services, query: str) -> dict[str, Any]:
    match = services.names.match(query)
    person = match.commentator
    if person is None:
        return {"query": query, "commentator": None, "suggestions": list(match.suggestions)}
    leans = {
        preset: {
            "option": lean.option,
            "label": services.kb.option_label(preset, lean.option),
            "rationale": lean.rationale,
            "claim_id": lean.claim,
        }
        for preset, lean in person.leans.items()
    }
    return {
        "query": query,
        "commentator": {
            "id": person.id,
            "name": person.name,
            "aliases": list(person.aliases),
            "summary": person.summary,
            "leans": leans,
            "claims": [_claim_json(services, services.kb.claims[c.id]) for c in services.kb.featured(person)],
        },
        "suggestions": [],
    }


def run_query(args: argparse.Namespace, settings: Settings) -> int:
    """``debatebot ask QUESTION`` and ``debatebot whosays NAME``, as text or ``--json``."""
    services = build_services(settings, store_for(settings), SystemClock())
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


async def run_polls(args: argparse.Namespace, settings: Settings) -> int:
    """``debatebot polls list`` and ``debatebot polls export ID``: an export is read in one snapshot."""
    if settings.database.backend is Backend.SQLITE and not settings.database_path.exists():
        print(f"debatebot: no database at {settings.database_path} (set DATABASE_URL)", file=sys.stderr)
        return 1
    store = store_for(settings)
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
        snapshot = await store.poll_snapshot(poll_id=args.poll_id, with_voters=True)
        if snapshot is None:
            print(f"debatebot: there is no poll #{args.poll_id}", file=sys.stderr)
            return 1
        if args.format == "csv":
            sys.stdout.write(export_csv(snapshot.poll, snapshot.tally, snapshot.voters))
        else:
            print(json.dumps(export_json(snapshot.poll, snapshot.tally, snapshot.voters), ensure_ascii=False, indent=2))
        return 0
    finally:
        await store.close()
