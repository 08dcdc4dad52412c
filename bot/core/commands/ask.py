"""/ask: cited answers from the knowledge base, or an honest "nothing on that" that says why."""

from __future__ import annotations

from bot.core.cards import quote_block, source_note
from bot.core.registry import Argument, Command
from bot.core.render_text import reply
from bot.core.reply import Block, Context, Reply, Text, Title
from bot.core.request import Request
from bot.core.services import Services
from bot.knowledge.models import Commentator
from bot.knowledge.search import SearchResult

MAX_QUESTION = 300
NOTHING = "Nothing in the knowledge base on that. Try /topics to see what it covers."
OUT_OF_SCOPE = (
    "Nothing in the knowledge base on that: it holds what the commentators argue about the US–China AI race, "
    "not facts such as prices, dates or who runs what, nor how-to help. Try /topics to see what it covers."
)


def short_name(person: Commentator) -> str:
    """How a person is named in a list: the surname ("LeCun", "Ng")."""
    return person.name.split()[-1]


class AskCommands:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _people(self, ids: tuple[str, ...] | list[str]) -> str:
        return ", ".join(short_name(self.s.kb.commentators[p]) for p in ids)

    def _speaks_on(self, person: Commentator) -> str:
        topics = [self.s.kb.topics[t].label for t in person.positions if t in self.s.kb.topics]
        return f"{short_name(person)} speaks on: {', '.join(topics)}." if topics else ""

    async def ask(self, request: Request) -> Reply:
        question = request.args["question"]
        result = self.s.search.search(question)
        if result.outcome == "outsider":
            return self._outsider(result)
        if not result.answers:
            return reply(Text(text=self._why_nothing(result)))
        blocks: list[Block] = [Title(text=f"On “{question}”"), Text(text=self._who(result))]
        blocks += [quote_block(self.s.kb, answer.cited) for answer in result.answers]
        blocks.append(source_note(self.s.kb))
        return reply(*blocks)

    def _who(self, result: SearchResult) -> str:
        """The one line that comes first: who says so (or who agrees, or who disagrees)."""
        q = result.question
        line = f"Who says so: {self._people(result.people)}"
        if q.relation is not None:
            kind, reference = q.relation
            others = self._people([p for p in result.people if p != reference])
            if q.content:
                who = self._people([reference])
                line = f"Who else speaks on that: {others}. The knowledge base records what each says, not who agrees"
                line += f"; {who}'s own claim is last, to compare." if reference in result.people else "."
            else:
                verb = "Agree" if kind == "agree" else "Disagree"
                line = f"{verb} with {self._people([reference])}: {others} (the knowledge base's reading of where each "
                line += "leans on “Who's losing the AI race?”)"
        if q.excluded:
            line += f" (leaving out {self._people(q.excluded)}, as asked)"
        return line

    def _why_nothing(self, result: SearchResult) -> str:
        q = result.question
        if result.outcome == "out-of-scope":
            return OUT_OF_SCOPE
        if result.outcome == "person-silent":
            lines = []
            for person_id in q.named:
                person = self.s.kb.commentators[person_id]
                lines.append(f"Nothing from {person.name} on that in the knowledge base. {self._speaks_on(person)}")
            return "\n".join(lines)
        if result.outcome == "relation-nobody" and q.relation is not None:
            kind, reference = q.relation
            who = self.s.kb.commentators[reference].name
            if q.content:
                return f"Nobody besides {who} speaks on that in the knowledge base."
            if kind == "agree":
                return f"Nobody else in the knowledge base leans the way {who} does on “Who's losing the AI race?”."
            return f"Everyone in the knowledge base leans the way {who} does on “Who's losing the AI race?”."
        return NOTHING

    def _outsider(self, result: SearchResult) -> Reply:
        listing = ", ".join(c.name for c in self.s.kb.commentators.values())
        head = f"{result.question.outsider} is not in the knowledge base; it covers {listing}."
        if not result.related:
            return reply(Text(text=head + " Try /whosays with one of them."))
        blocks: list[Block] = [
            Text(text=head),
            Context(text=f"What the commentators say on that instead ({self._people(_people_of(result))}):"),
        ]
        blocks += [quote_block(self.s.kb, answer.cited) for answer in result.related]
        blocks.append(source_note(self.s.kb))
        return reply(*blocks)

    def commands(self) -> list[Command]:
        return [
            Command(
                "ask",
                "Ask a question; answers cite who said what",
                self.ask,
                (Argument("question", "Your question", kind="text", required=True, max_length=MAX_QUESTION),),
                examples=("/ask who thinks open source is the real winner?", "/ask what does wang say about data"),
            )
        ]


def _people_of(result: SearchResult) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a.cited.commentator.id for a in result.related))
