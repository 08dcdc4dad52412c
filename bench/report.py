"""How every benchmark reports: a figure, the baseline it is compared with, and the target the ratio must meet."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


def percentile(samples: list[float], fraction: float) -> float:
    """The ``fraction`` (0–1) percentile by nearest rank; samples need not be sorted."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(samples: list[float]) -> str:
    """``median / p95 / p99 / max`` of ``samples`` (seconds) in milliseconds."""
    ms = [s * 1000 for s in samples]
    return (
        f"median {statistics.median(ms):.2f} ms, p95 {percentile(ms, 0.95):.2f} ms, "
        f"p99 {percentile(ms, 0.99):.2f} ms, max {max(ms):.2f} ms"
    )


@dataclass
class Report:
    """Collects targets; :meth:`failed` says whether any was missed."""

    missed: list[str] = field(default_factory=list)

    def info(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def at_most(self, name: str, measured: float, baseline: float, ratio: float, unit: str = "") -> bool:
        """Target: ``measured <= ratio × baseline`` (latencies)."""
        got = measured / baseline if baseline else float("inf")
        return self._record(
            name, got <= ratio, f"{measured:.4g}{unit} vs {baseline:.4g}{unit} = {got:.2f}× (target ≤ {ratio:g}×)"
        )

    def at_least(self, name: str, measured: float, baseline: float, fraction: float, unit: str = "") -> bool:
        """Target: ``measured >= fraction × baseline`` (throughputs)."""
        got = measured / baseline if baseline else 0.0
        return self._record(
            name, got >= fraction, f"{measured:.4g}{unit} vs {baseline:.4g}{unit} = {got:.0%} (target ≥ {fraction:.0%})"
        )

    def check(self, name: str, ok: bool, detail: str) -> bool:
        """A yes/no target (every click answered, nothing lost)."""
        return self._record(name, ok, detail)

    def _record(self, name: str, ok: bool, detail: str) -> bool:
        print(f"  [{'met' if ok else 'MISSED'}] {name}: {detail}", flush=True)
        if not ok:
            self.missed.append(name)
        return ok

    def failed(self) -> bool:
        return bool(self.missed)
