"""A short, bounded name for a failed Discord call, for the ``platform_errors`` metric."""

from __future__ import annotations

import discord


def error_kind(exc: BaseException) -> str:
    """``http_404_10062`` (status and Discord's JSON error code), ``no_answer`` (timeout, dropped connection) or
    ``closing`` (the client closed under the call)."""
    if isinstance(exc, discord.HTTPException):
        return f"http_{exc.status}_{exc.code}" if exc.code else f"http_{exc.status}"
    if isinstance(exc, RuntimeError):
        return "closing"
    return "no_answer"
