"""Reading metrics back the way Prometheus does: parse the text exposition, pick one sample."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import Metrics


def value(exposition: Metrics | str, name: str, **labels: str) -> float:
    """The sample called ``name`` whose labels include ``labels``; 0.0 when there is none (never counted)."""
    text = exposition.exposition().decode() if isinstance(exposition, Metrics) else exposition
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def get(url: str) -> tuple[int, str, str]:
    """``GET url``: the status, the ``Content-Type`` header and the body."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()
