"""What the core and the adapters report about their work, for the operator: a port with a silent default.

The core calls a :class:`Telemetry` at the few points where something countable happens (a request answered,
a vote cast, a poll redrawn, a digest run finished); :class:`bot.ops.metrics.Metrics` turns the calls into
Prometheus metrics. The base class does nothing, so the core, its tests and a bot without ``OPS_PORT`` pay
nothing for it, and the core never imports a metrics library.

:data:`request_id` names the request being handled, for the logs (see :mod:`bot.ops.logs`).
"""

from __future__ import annotations

import itertools
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request the current task is handling (set by :meth:`bot.core.core.Core.handle`), else ``None``."""


_PROCESS = secrets.token_hex(4)
_COUNT = itertools.count(1)


def new_request_id() -> str:
    """A short id for one request, unique across processes: this process's random tag and a count
    (``3f9a0c1e-1b``). Cheaper than random bytes per request, which cost a system call on the hot path."""
    return f"{_PROCESS}-{next(_COUNT):x}"


class Telemetry:
    """Reports nothing; :class:`bot.ops.metrics.Metrics` overrides every method. Each call must be cheap and
    must never raise: it runs on the hot path, inside the 3 seconds the platforms allow."""

    def command_answered(self, *, platform: str, command: str, outcome: str, seconds: float) -> None:
        """The core answered a request: ``outcome`` is ``ok``, ``error`` (the user is told what went wrong) or
        ``rate_limited``; ``seconds`` from the request entering the core to its reply."""

    def vote_cast(self, *, outcome: str) -> None:
        """The store took (or refused) a vote: a :class:`~bot.core.models.VoteOutcome` value."""

    def poll_redrawn(self) -> None:
        """A poll's message was drawn again through its platform."""

    def redraw_coalesced(self) -> None:
        """A redraw was asked for a poll already waiting for one: the two make a single message edit."""

    def digest_run(self, *, outcome: str) -> None:
        """A digest run ended: ``posted``, ``retry`` (failed; tried again later), ``failed`` (gave up) or
        ``skipped`` (missed by more than the grace)."""

    def claim_taken_over(self) -> None:
        """A digest run was claimed from a claimant that went silent past its lease (its process probably died)."""

    def platform_error(self, *, platform: str, kind: str) -> None:
        """A call to the platform failed: ``kind`` is a short, bounded code (``http_403``, ``not_in_channel``…)."""

    def rate_limited(self, *, platform: str) -> None:
        """The platform answered HTTP 429 (the client waits and retries)."""


@dataclass(frozen=True)
class StoreUsage:
    """How busy the database connections are right now."""

    size: int
    """Connections (or database threads) the store works with."""
    in_use: int
    """Of those, how many are running an operation."""
    waiting: int
    """Operations queued for a connection."""


@runtime_checkable
class ReportsUsage(Protocol):
    """A store that can say how busy it is (optional: a store without it reports no pool metrics)."""

    def usage(self) -> StoreUsage: ...
