"""The bot's Prometheus metrics: :class:`Metrics` is the :class:`~bot.core.telemetry.Telemetry` that counts.

Each :class:`Metrics` has its own ``CollectorRegistry``, never prometheus-client's global one: an app is built
many times in one test process, and each must count from zero. ``GET /metrics`` serves :meth:`Metrics.exposition`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Generic, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.core.telemetry import ReportsUsage, Telemetry

logger = logging.getLogger(__name__)

ANSWER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0)
"""Seconds: fine below 100 ms (a normal answer), then around the platforms' 3 s deadline (Discord defers at 1.5 s)."""

PREFIX = "debatebot"

M = TypeVar("M", Counter, Histogram)


class _Children(Generic[M]):
    """A metric's labelled children, looked up once each: ``labels()`` validates and locks every time (a few
    microseconds, and a vote goes through three of them)."""

    def __init__(self, metric: M) -> None:
        self.metric: M = metric
        self._children: dict[tuple[str, ...], M] = {}

    def __call__(self, *labels: str) -> M:
        child = self._children.get(labels)
        if child is None:
            child = self._children[labels] = self.metric.labels(*labels)
        return child


class Metrics(Telemetry):
    """Counters and histograms for one app, in :attr:`registry`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        ProcessCollector(registry=r)  # process_cpu_seconds_total, process_resident_memory_bytes, open fds…
        self.commands = Counter(
            f"{PREFIX}_commands", "Requests the core answered.", ["platform", "command", "outcome"], registry=r
        )
        self.answer_seconds = Histogram(
            f"{PREFIX}_answer_seconds",
            "Seconds from a request entering the core to its reply (the platforms allow 3 s for the first answer).",
            ["platform"],
            buckets=ANSWER_BUCKETS,
            registry=r,
        )
        self.votes = Counter(f"{PREFIX}_votes", "Votes the store took or refused, by outcome.", ["outcome"], registry=r)
        self.redraws = Counter(f"{PREFIX}_redraws", "Poll messages drawn again through their platform.", registry=r)
        self.redraws_coalesced = Counter(
            f"{PREFIX}_redraws_coalesced",
            "Redraws asked for a poll already waiting for one (merged into that one: no extra message edit).",
            registry=r,
        )
        self.digest_runs = Counter(
            f"{PREFIX}_digest_runs", "Digest runs ended: posted, retry, failed or skipped.", ["outcome"], registry=r
        )
        self.claim_takeovers = Counter(
            f"{PREFIX}_digest_claim_takeovers",
            "Digest runs claimed after their claimant went silent past its lease (a process died mid-run).",
            registry=r,
        )
        self.platform_errors = Counter(
            f"{PREFIX}_platform_errors", "Calls to Discord or Slack that failed.", ["platform", "kind"], registry=r
        )
        self.rate_limits = Counter(
            f"{PREFIX}_rate_limited",
            "HTTP 429 answers from the platform (the client waited and retried).",
            ["platform"],
            registry=r,
        )

        self._commands = _Children(self.commands)
        self._answer_seconds = _Children(self.answer_seconds)
        self._votes = _Children(self.votes)
        self._digest_runs = _Children(self.digest_runs)
        self._platform_errors = _Children(self.platform_errors)
        self._rate_limits = _Children(self.rate_limits)

    def watch_store(self, store: object) -> None:
        """Report the store's connection use at each scrape, if it can say (see :class:`ReportsUsage`)."""
        if isinstance(store, ReportsUsage):
            self.registry.register(_StoreUsageCollector(store))

    content_type = CONTENT_TYPE_LATEST
    """The ``Content-Type`` of :meth:`exposition`."""

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format."""
        return generate_latest(self.registry)

    # Telemetry ---------------------------------------------------------------

    def command_answered(self, *, platform: str, command: str, outcome: str, seconds: float) -> None:
        self._commands(platform, command, outcome).inc()
        self._answer_seconds(platform).observe(seconds)

    def vote_cast(self, *, outcome: str) -> None:
        self._votes(outcome).inc()

    def poll_redrawn(self) -> None:
        self.redraws.inc()

    def redraw_coalesced(self) -> None:
        self.redraws_coalesced.inc()

    def digest_run(self, *, outcome: str) -> None:
        self._digest_runs(outcome).inc()

    def claim_taken_over(self) -> None:
        self.claim_takeovers.inc()

    def platform_error(self, *, platform: str, kind: str) -> None:
        self._platform_errors(platform, kind[:64]).inc()

    def rate_limited(self, *, platform: str) -> None:
        self._rate_limits(platform).inc()


class _StoreUsageCollector(Collector):
    """Asks the store how busy its connections are when Prometheus scrapes (nothing to update in between)."""

    def __init__(self, store: ReportsUsage) -> None:
        self._store = store

    def describe(self) -> Iterable[Metric]:
        return []  # the families are made at each scrape; nothing to check against other collectors

    def collect(self) -> Iterable[Metric]:
        try:
            usage = self._store.usage()
        except Exception:  # a scrape must not fail because of this one reading
            logger.debug("the store could not report its usage", exc_info=True)
            return
        for name, help_text, value in (
            ("db_connections", "Database connections (or database threads) the store works with.", usage.size),
            ("db_connections_in_use", "Of those, how many are running an operation now.", usage.in_use),
            ("db_operations_waiting", "Database operations queued for a connection now.", usage.waiting),
        ):
            yield GaugeMetricFamily(f"{PREFIX}_{name}", help_text, value=value)
