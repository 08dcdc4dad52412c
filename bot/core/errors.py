"""Errors the core turns into plain, private answers."""


class UserError(Exception):
    """Bad input or a refused action; the message is shown to the user as is."""
