"""The one rule for text users type, applied by the core before anything is stored or shown.

- Control characters (NUL, ESC, BEL, …) are removed; tabs and line breaks become spaces. An ESC sequence in a poll
  question must not rewrite an operator's terminal, and a NUL must not reach a CSV export.
- Invisible format characters are removed: zero-width spaces and joiners, word joiners, byte-order marks and the
  bidirectional controls that reorder what follows them. So ``Ye\u200bs`` is ``Yes`` (and caught as a duplicate of
  it), and an option cannot pretend to read backwards. A zero-width joiner between two emoji stays: it is how
  family and profession emoji are written.
- Platform markup is not interpreted here: each renderer shows user text literally (see :mod:`bot.core.escaping`).
"""

from __future__ import annotations

import unicodedata

_JOINER = "\u200d"
_SPACES = str.maketrans({"\t": " ", "\n": " ", "\r": " ", "\v": " ", "\f": " ", "\x85": " "})


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or char == "\ufe0f"


def clean_text(text: str) -> str:
    """``text`` without control characters and invisible format characters (see the module docstring)."""
    if text.isprintable():  # no control, format or separator characters but the space: nothing to do (most text)
        return text
    text = text.translate(_SPACES)
    kept: list[str] = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cc":
            continue
        if category == "Cf":
            after = text[index + 1 : index + 2]
            if not (char == _JOINER and kept and _is_emoji(kept[-1]) and after and _is_emoji(after)):
                continue
        kept.append(char)
    return "".join(kept)


def is_ascii_number(text: str) -> bool:
    """Whether ``text`` is a number written with ASCII digits only (``²`` and ``١`` pass ``str.isdigit``, not this)."""
    return text.isascii() and text.isdigit()
