"""/whosays, /compare, /topics and /topic: what the commentators say."""

from __future__ import annotations

from bot.core.cards import quote_block, resolve_commentator, resolve_topic, source_note
from bot.core.errors import UserError
from bot.core.registry import Argument, Command
from bot.core.render_text import reply
from bot.core.reply import Block, Context, FieldItem, Fields, Reply, Text, Title
from bot.core.request import Request
from bot.core.services import Services
from bot.knowledge.models import Commentator

LEAN_PRESET = "whos-losing"
TOPIC_FILLERS = frozenset({"on", "about"})
"""A first word dropped from /compare's topic: ``/compare ng sacks on chip restrictions``."""


def without_filler(topic: str) -> str:
    """``topic`` without a leading filler word (``on``/``about``), unless that word is all there is."""
    first, _, rest = topic.strip().partition(" ")
    return rest.strip() if first.casefold() in TOPIC_FILLERS and rest.strip() else topic


class PeopleCommands:
    def __init__(self, services: Services) -> None:
        self.s = services

    def lean_field(self, commentator: Commentator) -> FieldItem | None:
        lean = commentator.leans.get(LEAN_PRESET)
        preset = self.s.kb.presets.get(LEAN_PRESET)
        if lean is None or preset is None:
            return None
        label = self.s.kb.option_label(LEAN_PRESET, lean.option)
        return FieldItem(name=f"Leans on “{preset.question}”", value=f"{label}. {lean.rationale}")

    async def whosays(self, request: Request) -> Reply:
        commentator = resolve_commentator(self.s.kb, self.s.names, request.args["who"])
        blocks: list[Block] = [Title(text=commentator.name), Text(text=commentator.summary)]
        if (field := self.lean_field(commentator)) is not None:
            blocks.append(Fields(fields=(field,)))
        blocks += [quote_block(self.s.kb, self.s.kb.claims[c.id]) for c in self.s.kb.featured(commentator)]
        blocks.append(source_note(self.s.kb))
        return reply(*blocks)

    async def compare(self, request: Request) -> Reply:
        first = resolve_commentator(self.s.kb, self.s.names, request.args["first"])
        second = resolve_commentator(self.s.kb, self.s.names, request.args["second"])
        if first.id == second.id:
            raise UserError(f"Both names point to {first.name}; compare two different commentators.")
        if "topic" in request.args:
            topics = [resolve_topic(self.s.kb, without_filler(request.args["topic"])).id]
        else:
            topics = [t for t in self.s.kb.topics if t in first.positions and t in second.positions]
        blocks: list[Block] = [Title(text=f"{first.name} vs {second.name}")]
        if not topics:
            blocks.append(Text(text="The knowledge base records no topic that both speak to."))
        for topic_id in topics:
            topic = self.s.kb.topics[topic_id]
            none = "no recorded position on this"
            blocks.append(
                Fields(
                    fields=(
                        FieldItem(name=f"{topic.label}: {first.name}", value=first.positions.get(topic_id, none)),
                        FieldItem(name=f"{topic.label}: {second.name}", value=second.positions.get(topic_id, none)),
                    )
                )
            )
        leans = []
        for person in (first, second):
            if (field := self.lean_field(person)) is not None:
                leans.append(FieldItem(name=f"{person.name}: {field.name}", value=field.value))
        if leans:
            blocks.append(Fields(fields=tuple(leans)))
        blocks.append(Context(text="Positions are the knowledge base's reading of its source, not quotes."))
        return reply(*blocks)

    async def topics(self, request: Request) -> Reply:
        lines = []
        for topic in self.s.kb.topics.values():
            people = [c.name for c in self.s.kb.commentators.values() if topic.id in c.positions]
            lines.append(FieldItem(name=f"{topic.label} ({topic.id})", value=", ".join(people) or "nobody yet"))
        return reply(
            Title(text="Topics"), Fields(fields=tuple(lines)), Context(text="See who says what: /topic <topic>")
        )

    async def topic(self, request: Request) -> Reply:
        topic = resolve_topic(self.s.kb, request.args["name"])
        blocks: list[Block] = [Title(text=f"Who says what on {topic.label}")]
        for commentator in self.s.kb.commentators.values():
            claims = [c for c in commentator.claims if topic.id in c.topics]
            if topic.id not in commentator.positions and not claims:
                continue
            if topic.id in commentator.positions:
                blocks.append(Fields(fields=(FieldItem(name=commentator.name, value=commentator.positions[topic.id]),)))
            if claims:
                blocks.append(quote_block(self.s.kb, self.s.kb.claims[claims[0].id]))
        if len(blocks) == 1:
            blocks.append(Text(text=f"Nobody in the knowledge base speaks to {topic.label}."))
        blocks.append(source_note(self.s.kb))
        return reply(*blocks)

    def commands(self) -> list[Command]:
        who = Argument(
            "who",
            "A commentator's name or alias, e.g. lecun",
            kind="text",
            required=True,
            max_length=100,
            autocomplete="commentator",
        )
        return [
            Command(
                "whosays",
                "A commentator's position, with sourced quotes and paraphrases",
                self.whosays,
                (who,),
                examples=("/whosays lecun", "/whosays kai-fu"),
            ),
            Command(
                "compare",
                "Two commentators side by side, per topic",
                self.compare,
                (
                    Argument("first", "First commentator", required=True, max_length=100, autocomplete="commentator"),
                    Argument("second", "Second commentator", required=True, max_length=100, autocomplete="commentator"),
                    Argument("topic", "Only this topic", kind="text", max_length=100, autocomplete="topic"),
                ),
                examples=("/compare lecun wang", "/compare ng sacks export controls", '/compare "kai-fu lee" lecun'),
            ),
            Command("topics", "The topics the knowledge base covers", self.topics),
            Command(
                "topic",
                "Who says what on one topic",
                self.topic,
                (
                    Argument(
                        "name",
                        "A topic, e.g. compute or open source",
                        kind="text",
                        required=True,
                        max_length=100,
                        autocomplete="topic",
                    ),
                ),
                examples=("/topic compute",),
            ),
        ]
