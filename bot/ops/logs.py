"""``LOG_FORMAT``: readable lines (``text``), or one JSON object per line (``json``) for a log collector.

A JSON line has ``ts`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``process`` (the pid), ``shard``
(the Discord shard ids this process runs, or ``null``), ``request_id`` (the request being handled, or ``null``)
and, with a traceback, ``exc_info``. Records are redacted before they are formatted (see :mod:`bot.logredact`),
so no format can leak a token.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.core.telemetry import request_id
from bot.logredact import install_redaction
from bot.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (a message's line breaks are escaped)."""

    def __init__(self, shard: Sequence[int] | None = None) -> None:
        super().__init__()
        self.shard = list(shard) if shard else None

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
            "shard": self.shard,
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def shard_ids(settings: Settings) -> list[int] | None:
    """The Discord shards this process runs: ``DISCORD_SHARD_IDS``, or all of ``DISCORD_SHARD_COUNT``."""
    if settings.discord_token is None:
        return None
    if settings.discord_shard_ids:
        return list(settings.discord_shard_ids)
    if settings.discord_shard_count is not None:
        return list(range(settings.discord_shard_count))
    return None


QUIET_TRACEBACKS = ("asyncpg.pool",)
"""Libraries whose expected failures come with a traceback: asyncpg's pool logs one every time it cannot reconnect
while PostgreSQL is down (a restart), which buries the one line that matters."""


class OneLineFailures(logging.Filter):
    """Turns a traceback attached to a warning from :data:`QUIET_TRACEBACKS` into its last line, in the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(QUIET_TRACEBACKS) and record.exc_info and record.levelno < logging.ERROR:
            failure = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(failure).__name__}: {failure})"
            record.args = None
            record.exc_info = record.exc_text = None
        return True


def configure_logging(settings: Settings) -> None:
    """Log to standard error at ``LOG_LEVEL`` in ``LOG_FORMAT``, with every secret redacted (call once at start)."""
    handler = logging.StreamHandler()
    handler.addFilter(OneLineFailures())
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter(shard_ids(settings)))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    install_redaction(settings.secret_values())


__all__ = ["TEXT_FORMAT", "JsonFormatter", "OneLineFailures", "configure_logging", "shard_ids"]
