"""The loaded knowledge base: commentators, claims, topics, sources and poll presets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from bot.knowledge.models import Claim, Commentator, Lean, Outsider, PollPreset, Source, Topic, Vocabulary

FEATURED_COUNT = 3


@dataclass(frozen=True)
class CitedClaim:
    """A claim together with the person it is attributed to."""

    commentator: Commentator
    claim: Claim


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, validated; read-only once loaded."""

    topics: Mapping[str, Topic]
    sources: Mapping[str, Source]
    presets: Mapping[str, PollPreset]
    commentators: Mapping[str, Commentator]
    outsiders: tuple[Outsider, ...] = ()
    """People the knowledge base knows it does not cover (``outsiders.yaml``)."""
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    """Everyday words for the debate's words, and words that ask for facts it does not hold."""

    @cached_property
    def claims(self) -> dict[str, CitedClaim]:
        """Every claim by id, in file order (commentator files sorted by name)."""
        return {
            claim.id: CitedClaim(commentator, claim)
            for commentator in self.commentators.values()
            for claim in commentator.claims
        }

    def featured(self, commentator: Commentator) -> tuple[Claim, ...]:
        """The claims shown on a commentator's card: those marked featured, else the first few."""
        marked = tuple(claim for claim in commentator.claims if claim.featured)
        return marked or commentator.claims[:FEATURED_COUNT]

    def lean(self, commentator: Commentator, preset_id: str) -> Lean | None:
        return commentator.leans.get(preset_id)

    def leaning_toward(self, preset_id: str, option_id: str) -> list[Commentator]:
        """Commentators whose recorded lean on ``preset_id`` is ``option_id``."""
        return [c for c in self.commentators.values() if (lean := c.leans.get(preset_id)) and lean.option == option_id]

    def source_title(self, source_id: str) -> str:
        source = self.sources[source_id]
        return f"{source.title} ({source.author})"

    def option_label(self, preset_id: str, option_id: str) -> str:
        for option in self.presets[preset_id].options:
            if option.id == option_id:
                return option.label
        return option_id
