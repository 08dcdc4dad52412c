"""Matching curated phrases inside a question's words: lean phrases, out-of-scope entries, lean tags."""

from __future__ import annotations

from collections.abc import Iterable


def lean_tag(option_id: str) -> str:
    """The index token standing for "leans toward ``option_id``" (FTS tokens are letters and digits only)."""
    return "lean" + option_id.replace("-", "")


def loosely_in(phrase: tuple[str, ...], words: tuple[str, ...], gap: int = 1) -> bool:
    """Whether ``phrase`` occurs in ``words`` in order, with at most ``gap`` other words between its words."""
    for start in (i for i, word in enumerate(words) if word == phrase[0]):
        position = start
        for part in phrase[1:]:
            window = words[position + 1 : position + 2 + gap]
            if part not in window:
                break
            position += 1 + window.index(part)
        else:
            return True
    return False


def parts_in(parts: tuple[tuple[str, ...], ...], words: tuple[str, ...], gap: int = 4) -> bool:
    """Whether each part occurs in ``words`` as written, in order, at most ``gap`` words after the one before."""
    starts = [0]
    for n, part in enumerate(parts):
        found = [
            i + len(part)
            for start in starts
            for i in range(start, min(len(words), start + (gap + 1 if n else len(words))))
            if words[i : i + len(part)] == part
        ]
        if not found:
            return False
        starts = found
    return True


AUXILIARIES = frozenset("is are was were be being been will would could can s re ll gonna going to".split())


def lean_words(words: Iterable[str]) -> tuple[str, ...]:
    """Words for matching a lean phrase: "the us is losing" and "the yanks are toast" both read "us losing"."""
    return tuple(word for word in words if word not in AUXILIARIES)
