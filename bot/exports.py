"""Poll exports for the CLI: JSON and CSV (safe to open in a spreadsheet). Anonymous polls never list voters."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from bot.core.models import Poll, PollSummary, Tally, Voter

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def poll_summaries_json(summaries: Sequence[PollSummary]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "question": s.question,
            "platform": s.platform,
            "channel": s.channel,
            "closed": s.closed,
            "total_votes": s.total_votes,
        }
        for s in summaries
    ]


def export_json(poll: Poll, tally: Tally, voters: Sequence[Voter]) -> dict[str, Any]:
    """The poll, its options with votes, and (unless anonymous) who voted for what."""
    data: dict[str, Any] = {
        "poll": {
            "id": poll.id,
            "question": poll.question,
            "closed": poll.closed_at is not None,
            "anonymous": poll.anonymous,
        },
        "options": [{"id": o.key, "label": o.label, "votes": tally.counts.get(o.key, 0)} for o in poll.options],
        "total_votes": tally.total_votes,
    }
    if not poll.anonymous:
        data["voters"] = [{"user": v.user_id, "option": v.option_key} for v in voters]
    return data


def spreadsheet_safe(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula (``=HYPERLINK(…)``) with a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_csv(poll: Poll, tally: Tally, voters: Sequence[Voter]) -> str:
    """One row per option: id, label, votes and, unless the poll is anonymous, the voters' ids."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["option_id", "option_label", "votes"]
    if not poll.anonymous:
        header.append("voters")
    writer.writerow(header)
    for option in poll.options:
        row = [option.key, option.label, str(tally.counts.get(option.key, 0))]
        if not poll.anonymous:
            row.append(" ".join(v.user_id for v in voters if v.option_key == option.key))
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()
