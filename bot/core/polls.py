"""Poll rules the commands share: validating new polls, drawing a poll, and who leans which way."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from bot.core.actions import Action
from bot.core.errors import UserError
from bot.core.models import OptionRecord, Poll, Tally
from bot.core.render_text import plural
from bot.core.reply import Block, Button, Context, PollOptionView, PollView, Text
from bot.core.usertext import is_ascii_number
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import PollPreset

MAX_QUESTION = 200
MAX_OPTION = 75
MIN_OPTIONS, MAX_OPTIONS = 2, 10


def normalise_label(text: str) -> str:
    """The form in which two options count as the same: width-folded, case-folded, single-spaced."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def check_question(question: str) -> str:
    question = re.sub(r"\s+", " ", question).strip()
    if not question:
        raise UserError("A poll needs a question.")
    if len(question) > MAX_QUESTION:
        raise UserError(f"The question is too long ({len(question)} characters; the limit is {MAX_QUESTION}).")
    return question


def check_options(labels: list[str]) -> tuple[OptionRecord, ...]:
    """Custom options keyed ``1``…``n``, checked for count, length, emptiness and duplicates."""
    cleaned = [re.sub(r"\s+", " ", label).strip() for label in labels]
    if len(cleaned) < MIN_OPTIONS or len(cleaned) > MAX_OPTIONS:
        raise UserError(
            f"A poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options separated by |, for example "
            f"/poll Who's losing? | USA | China (got {len(cleaned)})."
        )
    seen: dict[str, int] = {}
    for number, label in enumerate(cleaned, start=1):
        if not label:
            raise UserError(f"Option {number} is empty.")
        if len(label) > MAX_OPTION:
            raise UserError(f"Option {number} is too long ({len(label)} characters; the limit is {MAX_OPTION}).")
        key = normalise_label(label)
        if key in seen:
            raise UserError(f"Options {seen[key]} and {number} are the same ({label!r}); each option must differ.")
        seen[key] = number
    return tuple(OptionRecord(key=str(n), label=label) for n, label in enumerate(cleaned, start=1))


def find_preset(kb: KnowledgeBase, text: str) -> PollPreset | None:
    """The preset named by id (``whos-losing``) or by its exact question."""
    wanted = normalise_label(text)
    for preset in kb.presets.values():
        if wanted in (preset.id, normalise_label(preset.question)):
            return preset
    return None


def resolve_option(poll: Poll, text: str) -> OptionRecord | None:
    """An option by key, by its number on screen, or by label."""
    for option in poll.options:  # a button sends the key: the common case, answered without normalising
        if option.key == text:
            return option
    wanted = normalise_label(text)
    for number, option in enumerate(poll.options, start=1):
        by_number = is_ascii_number(text.strip()) and int(text) == number  # "²" is not 2
        if by_number or text.strip().casefold() == option.key or wanted == normalise_label(option.label):
            return option
    return None


def poll_view(poll: Poll, tally: Tally, now: datetime) -> PollView:
    """The poll as every platform draws it: bars, totals and, while open, its buttons."""
    total = tally.total_votes
    closed = not poll.is_open(now)
    options = tuple(
        PollOptionView(
            key=o.key,
            label=o.label,
            votes=tally.counts.get(o.key, 0),
            share=(tally.counts.get(o.key, 0) / total) if total else 0.0,
        )
        for o in poll.options
    )
    buttons: tuple[Button, ...] = ()
    if not closed:
        buttons = (
            *(
                Button(label=o.label, action_id=Action.vote(poll.id, o.key).pack(), style="primary")
                for o in poll.options
            ),
            Button(label="Close poll", action_id=Action.close(poll.id).pack(), style="danger"),
        )
    return PollView(
        poll_id=poll.id,
        question=poll.question,
        options=options,
        total_votes=total,
        voters=tally.voters,
        closed=closed,
        anonymous=poll.anonymous,
        max_choices=poll.max_choices,
        closes_at=poll.closes_at,
        buttons=buttons,
    )


def leaders(view: PollView) -> list[PollOptionView]:
    """The options with the most votes (several on a tie; none before any vote)."""
    top = max((o.votes for o in view.options), default=0)
    return [o for o in view.options if top and o.votes == top]


def result_blocks(kb: KnowledgeBase, poll: Poll, view: PollView, *, name_question: bool = False) -> list[Block]:
    """How a closed poll came out and, for a preset poll, who leans toward the winner (/close and the scheduler)."""
    title = f"Poll #{poll.id} “{poll.question}”" if name_question else f"Poll #{poll.id}"
    top = leaders(view)
    if not top:
        return [Text(text=f"{title} closed with no votes.")]
    labels = " and ".join(f"“{o.label}”" for o in top)
    if len(top) > 1:
        outcome = f"{labels} tie with {plural(top[0].votes, 'vote')} each"
    else:
        outcome = f"{labels} wins with {top[0].votes} of {plural(view.total_votes, 'vote')}"
    blocks: list[Block] = [Text(text=f"{title} closed: {outcome}.")]
    blocks += [Context(text=lean) for o in top if (lean := lean_sentence(kb, poll, o.key)) is not None]
    return blocks


def lean_sentence(kb: KnowledgeBase, poll: Poll, option_key: str) -> str | None:
    """For a preset poll: who, in the knowledge base's reading, leans toward ``option_key``."""
    if poll.preset_id is None or poll.preset_id not in kb.presets:
        return None
    people = kb.leaning_toward(poll.preset_id, option_key)
    label = kb.option_label(poll.preset_id, option_key)
    if not people:
        return f"None of the commentators leans toward “{label}” in the knowledge base's reading."
    names = ", ".join(p.name for p in people)
    return f"Leaning toward “{label}” (knowledge base reading): {names}. See /whosays for why."
