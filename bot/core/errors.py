"""Errors the core turns into plain, private answers."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action; the message is shown to the user as is.

    ``changed_polls`` names polls whose messages are out of date all the same (a vote refused because
    the poll has closed: its message still shows buttons).
    """

    def __init__(self, message: str, *, changed_polls: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.changed_polls = changed_polls
