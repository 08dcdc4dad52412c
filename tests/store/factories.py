"""Shared values and builders for the store tests: explicit aware instants, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.models import ChannelRef, NewPoll, OptionRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

GENERAL = ChannelRef(platform="discord", workspace="guild-1", channel="general")
OTHER = ChannelRef(platform="slack", workspace="T0001", channel="C0002")

UNKNOWN_POLL_ID = 987_654_321


def new_poll(
    *,
    keys: Sequence[str] = ("a", "b", "c"),
    channel: ChannelRef = GENERAL,
    question: str = "Should the city build more housing?",
    creator_id: str = "creator",
    preset_id: str | None = None,
    anonymous: bool = False,
    max_choices: int = 1,
    closes_at: datetime | None = None,
) -> NewPoll:
    return NewPoll(
        channel=channel,
        creator_id=creator_id,
        question=question,
        options=tuple(OptionRecord(key=key, label=f"Option {key}") for key in keys),
        preset_id=preset_id,
        anonymous=anonymous,
        max_choices=max_choices,
        closes_at=closes_at,
    )
