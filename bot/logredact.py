"""Keep credentials out of the logs, whoever logs them: the bot, discord.py, slack_sdk, aiohttp, asyncpg.

Besides the configured secrets (tokens, signing secret, the database password), some URLs are credentials for a
while: a Discord interaction callback or webhook URL carries the interaction token (valid 15 minutes) and a Slack
``response_url`` lets anyone answer in the channel (30 minutes). At ``LOG_LEVEL=DEBUG`` the libraries log both. A
``postgresql://`` URL may carry the database password, whatever its length. A filter on every handler rewrites each
record's message before it is written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"

CREDENTIAL_URLS = (
    # Discord: /interactions/{id}/{token}/callback and /webhooks/{application}/{token}[/...]
    re.compile(r"(/interactions/\d+/)[^/\s'\"?]+"),
    re.compile(r"(/webhooks/\d+/)[^/\s'\"?]+"),
    # Slack: response_url and incoming webhooks, https://hooks.slack.com/... (or a test server's /hooks/...)
    re.compile(r"(hooks\.slack(?:-gov)?\.com/)[^\s'\"]+"),
    re.compile(r"(/hooks/)[^\s'\"]+"),
    # Tokens that announce themselves: Slack xoxb-/xoxp-/xapp-, and Authorization headers
    re.compile(r"()\bxox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"()\bxapp-[A-Za-z0-9-]+"),
    re.compile(r"((?:Authorization|authorization)['\"]?\s*[:=]\s*['\"]?(?:Bot|Bearer)\s+)[^\s'\",}]+"),
    # A database URL's password: postgresql://user:PASSWORD@host/db
    re.compile(r"(\bpostgres(?:ql)?://[^:/@\s]*:)[^@\s]+(?=@)"),
    # Payloads logged whole (discord.py's gateway events at DEBUG): a "token" field, e.g. an interaction token
    re.compile(r"""((?:['"])token['"]\s*:\s*['"])[^'"]+"""),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every credential-bearing URL part, token pattern and configured secret replaced."""
    for pattern in CREDENTIAL_URLS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) and its exception text with :func:`redact`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install_redaction(secrets: Iterable[str] = ()) -> None:
    """Redact every log record from now on, from any logger, whatever handler writes it (call once at start-up).

    The record factory cleans each record as it is made, so handlers added later (a test's capture, a JSON
    formatter) see only clean records; the filter on the root handlers also cleans formatted tracebacks.
    Calling it again replaces the secrets rather than stacking filters.
    """
    redactor = RedactingFilter(secrets)
    base = logging.getLogRecordFactory()
    base = getattr(base, "_debatebot_base", base)

    def make_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = base(*args, **kwargs)
        redactor.filter(record)
        return record

    make_record._debatebot_base = base  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
    for handler in logging.getLogger().handlers:
        handler.filters = [f for f in handler.filters if not isinstance(f, RedactingFilter)]
        handler.addFilter(redactor)
