"""/ask: cited answers from the knowledge base, or an honest "nothing on that"."""

from __future__ import annotations

from bot.core.cards import quote_block, source_note
from bot.core.registry import Argument, Command
from bot.core.render_text import reply
from bot.core.reply import Block, Reply, Text, Title
from bot.core.request import Request
from bot.core.services import Services

MAX_QUESTION = 300


class AskCommands:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def ask(self, request: Request) -> Reply:
        question = request.args["question"]
        result = self.s.search.search(question)
        if not result.answers:
            who = " from " + " or ".join(self.s.kb.commentators[c].name for c in result.named) if result.named else ""
            return reply(
                Text(text=f"Nothing in the knowledge base{who} on that. Try /topics to see what it covers."),
            )
        blocks: list[Block] = [Title(text=f"On “{question}”")]
        blocks += [quote_block(self.s.kb, answer.cited) for answer in result.answers]
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
