"""Plain-text rendering of reply blocks: the fallback every platform gets, and the console's output."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.reply import Block, Context, Fields, PollView, Quote, Reply, Text, Title

BAR_WIDTH = 10


def bar(share: float, width: int = BAR_WIDTH) -> str:
    """A text bar such as ``██████░░░░`` for a share between 0 and 1."""
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "░" * (width - filled)


def quote_line(block: Quote) -> str:
    label = "Quote" if block.claim_kind == "quote" else "Paraphrase"
    text = f"“{block.text}”" if block.claim_kind == "quote" else block.text
    return f"[{label}] {text}\n    — {block.attribution}"


def plural(count: int, noun: str) -> str:
    """``1 vote``, ``2 votes``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def poll_status(view: PollView) -> str:
    parts = [plural(view.total_votes, "vote")]
    if view.max_choices > 1:
        parts.append(f"{plural(view.voters, 'voter')}, up to {view.max_choices} choices each")
    if view.anonymous:
        parts.append("anonymous")
    if view.closed:
        parts.append("closed")
    elif view.closes_at is not None:
        parts.append(f"closes {view.closes_at:%Y-%m-%d %H:%M} UTC")
    else:
        parts.append("open")
    return " · ".join(parts)


def poll_lines(view: PollView) -> list[str]:
    width = max(len(option.label) for option in view.options)
    lines = [f"Poll #{view.poll_id}: {view.question}"]
    for number, option in enumerate(view.options, start=1):
        lines.append(
            f"  {number:>2}. {option.label:<{width}}  {bar(option.share)} {option.share:>4.0%} ({option.votes})"
        )
    lines.append(f"  {poll_status(view)}")
    return lines


def render_block(block: Block) -> str:
    if isinstance(block, Title):
        return block.text
    if isinstance(block, Text | Context):
        return block.text
    if isinstance(block, Quote):
        return quote_line(block)
    if isinstance(block, Fields):
        return "\n".join(f"{field.name}: {field.value}" for field in block.fields)
    return "\n".join(poll_lines(block))


def render_text(blocks: Iterable[Block]) -> str:
    """All blocks as plain text, separated by blank lines."""
    return "\n\n".join(render_block(block) for block in blocks)


def reply(*blocks: Block, ephemeral: bool = False, error: bool = False, changed_polls: tuple[int, ...] = ()) -> Reply:
    """Build a :class:`Reply` whose fallback is the plain-text rendering of its blocks."""
    return Reply(
        blocks=blocks, fallback=render_text(blocks), ephemeral=ephemeral, error=error, changed_polls=changed_polls
    )


def error_reply(message: str, *, changed_polls: tuple[int, ...] = ()) -> Reply:
    """A short, private answer to bad input."""
    return reply(Text(text=message), ephemeral=True, error=True, changed_polls=changed_polls)
