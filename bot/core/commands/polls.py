"""/poll, /vote, /close, /results and /polls."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.core.models import NewPoll, OptionRecord, Poll, Tally, VoteOutcome
from bot.core.parsing import parse_duration
from bot.core.polls import (
    check_options,
    check_question,
    find_preset,
    lean_sentence,
    poll_view,
    resolve_option,
    result_blocks,
)
from bot.core.registry import Argument, Command
from bot.core.render_text import plural, reply
from bot.core.reply import Block, Context, FieldItem, Fields, PollView, Reply, Text
from bot.core.request import Request
from bot.core.services import Services
from bot.core.usertext import is_ascii_number

VOTE_MESSAGES = {
    VoteOutcome.RECORDED: "Your vote for “{label}” is in.",
    VoteOutcome.CHANGED: "Your vote moved to “{label}”.",
    VoteOutcome.UNCHANGED: "You already voted for “{label}”; your vote stays.",
    VoteOutcome.REMOVED: "You took back your vote for “{label}”.",
}
"""What a vote's answer says, by outcome (the outcomes that refuse a vote raise a :class:`UserError` instead)."""


class PollCommands:
    def __init__(self, services: Services) -> None:
        self.s = services
        self._leans: dict[tuple[str | None, str], str | None] = {}
        """Who leans toward a preset poll's option: the same sentence for every vote, so it is made once."""

    def _lean(self, poll: Poll, option_key: str) -> str | None:
        key = (poll.preset_id, option_key)
        if key not in self._leans:
            self._leans[key] = lean_sentence(self.s.kb, poll, option_key)
        return self._leans[key]

    async def _poll(self, request: Request) -> Poll:
        """The poll named in the request, as created (from memory after the first read): only its fixed parts
        (options, rules, creator, channel) may be relied on; see :mod:`bot.core.poll_cache`."""
        text = request.args["poll"].removeprefix("#")
        poll = await self.s.polls.get(int(text)) if is_ascii_number(text) and len(text) <= 12 else None
        if poll is None or (poll.channel.platform, poll.channel.workspace) != (request.platform, request.workspace):
            raise UserError(f"There is no poll #{text} here. /polls lists this channel's polls.")
        return poll

    async def _current(self, poll: Poll) -> tuple[Poll, PollView]:
        """The poll and how it looks now, read fresh in one round trip."""
        snapshot = await self.s.store.poll_snapshot(poll_id=poll.id)
        if snapshot is None:  # deleted under us (by hand, in the database)
            raise UserError(f"There is no poll #{poll.id} here. /polls lists this channel's polls.")
        return snapshot.poll, poll_view(snapshot.poll, snapshot.tally, self.s.clock.now())

    async def create(self, request: Request) -> Reply:
        args = request.args
        text = args["question"]
        labels = [part for part in args["options"].split("|")] if "options" in args else []
        if not labels and "|" in text:
            text, *labels = text.split("|")
        preset = find_preset(self.s.kb, text) if not labels else None
        if preset is not None:
            question, preset_id = preset.question, preset.id
            options = tuple(OptionRecord(key=o.id, label=o.label) for o in preset.options)
        else:
            question, preset_id = check_question(text), None
            if not labels:
                raise UserError(
                    "A poll needs options separated by |, for example /poll Who's losing? | USA | China, "
                    "or a preset: " + ", ".join(self.s.kb.presets) + "."
                )
            options = check_options(labels)
        duration = parse_duration(args["duration"]) if "duration" in args else None
        max_choices = self._max_choices(args.get("multi"), len(options))
        now = self.s.clock.now()
        poll = await self.s.store.create_poll(
            poll=NewPoll(
                channel=request.channel_ref,
                creator_id=request.user.id,
                question=question,
                options=options,
                preset_id=preset_id,
                anonymous=args.get("anonymous") == "true",
                max_choices=max_choices,
                closes_at=now + duration if duration else None,
            ),
            now=now,
        )
        self.s.polls.remember(poll)
        if poll.closes_at is not None:
            self.s.schedule_changes.notify()
        empty = Tally(counts={option.key: 0 for option in poll.options}, voters=0)
        blocks: list[Block] = [poll_view(poll, empty, now)]
        blocks.append(Context(text=f"Vote with the buttons (or /vote {poll.id} <option>); /close {poll.id} ends it."))
        return reply(*blocks)

    @staticmethod
    def _max_choices(value: str | None, option_count: int) -> int:
        if value is None or value in ("false", "1"):
            return 1
        if value in ("all", "true"):
            return option_count
        if not is_ascii_number(value) or not 2 <= int(value) <= option_count:
            raise UserError(f"--multi takes a number of choices from 2 to {option_count} (or no number for all).")
        return int(value)

    async def vote(self, request: Request) -> Reply:
        poll = await self._poll(request)
        option = resolve_option(poll, request.args["option"])
        if option is None:
            listing = ", ".join(f"{n}. {o.label}" for n, o in enumerate(poll.options, start=1))
            raise UserError(f"Poll #{poll.id} has no option {request.args['option']!r}. Options: {listing}.")
        outcome = await self.s.store.cast_vote(
            poll_id=poll.id, user_id=request.user.id, option_key=option.key, now=self.s.clock.now()
        )
        self.s.telemetry.vote_cast(outcome=outcome.value)
        if outcome == VoteOutcome.CLOSED:  # its message may still show buttons: have it redrawn
            self.s.polls.forget(poll.id)
            raise UserError(f"Poll #{poll.id} is closed; it no longer takes votes.", changed_polls=(poll.id,))
        if outcome == VoteOutcome.LIMIT_REACHED:
            raise UserError(
                f"You can choose up to {poll.max_choices} options in poll #{poll.id}; "
                "press one of yours again to take it back first."
            )
        said = VOTE_MESSAGES.get(outcome)
        if said is None:
            raise UserError(f"Poll #{poll.id} could not take that vote ({outcome.value}).")
        blocks: list[Block] = [Text(text=said.format(label=option.label))]
        lean = self._lean(poll, option.key) if outcome != VoteOutcome.REMOVED else None
        if lean:
            blocks.append(Context(text=lean))
        changed = (poll.id,) if outcome != VoteOutcome.UNCHANGED else ()
        return reply(*blocks, ephemeral=True, changed_polls=changed)

    async def close(self, request: Request) -> Reply:
        poll = await self._poll(request)
        if request.user.id != poll.creator_id and not request.user.is_admin:
            raise UserError(f"Only the poll's creator or an admin can close poll #{poll.id}.")
        closed_now = await self.s.store.close_poll(poll_id=poll.id, now=self.s.clock.now())
        self.s.polls.forget(poll.id)
        if not closed_now:
            raise UserError(f"Poll #{poll.id} is already closed.", changed_polls=(poll.id,))
        closed, view = await self._current(poll)
        blocks: list[Block] = [view, *result_blocks(self.s.kb, closed, view)]
        return reply(*blocks, changed_polls=(poll.id,))

    async def results(self, request: Request) -> Reply:
        _, view = await self._current(await self._poll(request))
        return reply(view, ephemeral=True)

    async def list_polls(self, request: Request) -> Reply:
        polls = await self.s.store.list_polls(channel=request.channel_ref)
        if not polls:
            return reply(Text(text="No polls in this channel yet. Start one with /poll whos-losing."), ephemeral=True)
        fields = tuple(
            FieldItem(
                name=f"#{p.id} {p.question}",
                value=f"{'closed' if p.closed else 'open'} · {plural(p.total_votes, 'vote')}",
            )
            for p in polls[:10]
        )
        return reply(Fields(fields=fields), ephemeral=True)

    def commands(self) -> list[Command]:
        poll_id = Argument("poll", "The poll's number, e.g. 12", required=True, max_length=20)
        return [
            Command(
                "poll",
                "Start a poll: a preset (whos-losing) or your own question with options separated by |",
                self.create,
                (
                    Argument(
                        "question",
                        "whos-losing, or: Question? | Option 1 | Option 2",
                        kind="text",
                        required=True,
                        max_length=1000,
                        autocomplete="preset",
                    ),
                    Argument("options", "Options separated by |", kind="option", max_length=800),
                    Argument(
                        "duration",
                        "Close automatically after 30m, 2h, 3d… (at most 32 days)",
                        kind="option",
                        max_length=20,
                    ),
                    Argument("anonymous", "Nobody can see who voted", kind="flag"),
                    Argument(
                        "multi",
                        "Allow several choices (optionally how many)",
                        kind="option",
                        bare_value="all",
                        max_length=5,
                    ),
                ),
                examples=("/poll whos-losing", "/poll Who wins on compute? | USA | China --duration 2h --anonymous"),
            ),
            Command(
                "vote",
                "Vote in a poll (the buttons do this)",
                self.vote,
                (
                    poll_id,
                    Argument("option", "The option's number or label", kind="text", required=True, max_length=100),
                ),
                examples=("/vote 1 2",),
            ),
            Command("close", "Close a poll (its creator or an admin)", self.close, (poll_id,), admin="messages"),
            Command("results", "Show a poll's current results", self.results, (poll_id,)),
            Command("polls", "List this channel's polls", self.list_polls),
        ]
