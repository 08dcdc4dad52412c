"""The daily digest: a quote of the day, one opposing view, and the channel's open polls."""

from __future__ import annotations

import hashlib
from datetime import date

from bot.core.cards import quote_block, source_note
from bot.core.models import ChannelRef
from bot.core.polls import leaders, poll_view
from bot.core.reply import Block, Context, FieldItem, Fields, Text, Title
from bot.core.services import Services
from bot.knowledge.base import CitedClaim

LEAN_PRESET = "whos-losing"
MAX_POLLS = 5


class DigestComposer:
    """Builds one channel's digest for one local date; the same date gives the same quote."""

    def __init__(self, services: Services) -> None:
        self.s = services

    def opposing(self, quoted: CitedClaim, day: date) -> CitedClaim | None:
        """A claim by someone who leans differently, preferring one on a shared topic."""
        kb = self.s.kb
        mine = quoted.commentator.leans.get(LEAN_PRESET)
        candidates = []
        for cited in kb.claims.values():
            other = cited.commentator
            if other.id == quoted.commentator.id:
                continue
            theirs = other.leans.get(LEAN_PRESET)
            if mine is not None and theirs is not None and theirs.option == mine.option:
                continue
            shared = len(set(cited.claim.topics) & set(quoted.claim.topics))
            tiebreak = hashlib.sha256(f"{day}|{cited.claim.id}".encode()).hexdigest()
            candidates.append((-shared, tiebreak, cited))
        return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None

    async def compose(self, channel: ChannelRef, day: date) -> list[Block]:
        kb = self.s.kb
        claim_id = await self.s.store.quote_of_the_day(channel=channel, local_date=day, claim_ids=list(kb.claims))
        quoted = kb.claims[claim_id]
        blocks: list[Block] = [
            Title(text=f"Daily digest · {day:%A %d %B %Y}"),
            Text(text="Quote of the day"),
            quote_block(kb, quoted),
        ]
        opposing = self.opposing(quoted, day)
        if opposing is not None:
            blocks += [Text(text="An opposing view"), quote_block(kb, opposing)]
            mine = quoted.commentator.leans.get(LEAN_PRESET)
            theirs = opposing.commentator.leans.get(LEAN_PRESET)
            if mine and theirs:
                blocks.append(
                    Context(
                        text=(
                            f"On who's losing the AI race, the knowledge base reads {quoted.commentator.name} as "
                            f"“{kb.option_label(LEAN_PRESET, mine.option)}” and {opposing.commentator.name} as "
                            f"“{kb.option_label(LEAN_PRESET, theirs.option)}”."
                        )
                    )
                )
        blocks.extend(await self._standings(channel))
        blocks.append(source_note(kb))
        return blocks

    async def _standings(self, channel: ChannelRef) -> list[Block]:
        now = self.s.clock.now()
        summaries = await self.s.store.list_polls(channel=channel, open_at=now)
        if not summaries:
            return [Text(text="No open polls in this channel. Start one with /poll whos-losing.")]
        fields = []
        for summary in summaries[:MAX_POLLS]:
            poll = await self.s.store.get_poll(poll_id=summary.id)
            if poll is None:
                continue
            view = poll_view(poll, await self.s.store.tally(poll_id=poll.id), now)
            top = leaders(view)
            lead = " / ".join(o.label for o in top) if top else "no votes yet"
            fields.append(
                FieldItem(name=f"#{poll.id} {poll.question}", value=f"Leading: {lead} · {view.total_votes} votes")
            )
        return [Text(text="Open polls"), Fields(fields=tuple(fields))]
