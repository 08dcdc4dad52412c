"""Making user text inert on each platform: no mentions, no links, no markup.

Renderers pass every piece of text through the function for their platform; the
core's blocks hold plain text only, so this is the one place escaping happens.
"""

from __future__ import annotations

import re

_ZWSP = "\u200b"
_DISCORD_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()-])")


def escape_discord(text: str) -> str:
    """Escape Discord markdown and break ``@everyone``, ``@here``, user, role and channel mentions.

    The client should also send ``allowed_mentions=none``; this makes the text itself harmless too.
    """
    escaped = _DISCORD_MARKDOWN.sub(r"\\\1", text)
    escaped = escaped.replace("@", "@" + _ZWSP)
    return escaped.replace("<", "<" + _ZWSP)


def escape_slack(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so ``<!channel>``, ``<@U123>`` and ``<url|label>`` stay text in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
