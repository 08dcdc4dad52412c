"""Acknowledge first, answer after: the work behind a request waits while other requests wait for their acks."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from slack_bolt.response import BoltResponse

from bot.adapters.slack.ack_first import AckFirst


async def request(gate: AckFirst, acked: asyncio.Event) -> BoltResponse:
    """One request through the middleware; bolt's ``next()`` returns once the listener has acked."""

    async def next_() -> BoltResponse:
        await acked.wait()
        return BoltResponse(status=200)

    return await gate.async_process(req=Any, resp=BoltResponse(status=200), next=next_)  # type: ignore[arg-type]


async def test_with_nothing_waiting_the_work_goes_at_once() -> None:
    gate = AckFirst()
    started = time.monotonic()
    await gate.turn()
    assert time.monotonic() - started < 0.01


async def test_work_waits_until_every_request_around_it_is_acked_and_the_burst_is_over() -> None:
    gate = AckFirst(quiet=0.05, patience=5)
    acks = [asyncio.Event() for _ in range(3)]
    requests = [asyncio.create_task(request(gate, ack)) for ack in acks]
    await asyncio.sleep(0)
    work = asyncio.create_task(gate.turn())
    for ack in acks[:2]:
        ack.set()
    await asyncio.sleep(0.1)
    assert not work.done(), "one request still waits for its ack"
    acks[2].set()
    await asyncio.gather(*requests)
    started = time.monotonic()
    await asyncio.wait_for(work, 1)
    assert time.monotonic() - started < 0.5, "released once no request arrives or waits"
    assert gate.waiting == 0


async def test_a_steady_stream_does_not_starve_the_work_beyond_its_patience() -> None:
    gate = AckFirst(quiet=0.05, patience=0.3)
    never = asyncio.Event()
    stuck = asyncio.create_task(request(gate, never))
    await asyncio.sleep(0)
    started = time.monotonic()
    await gate.turn()
    assert 0.25 <= time.monotonic() - started < 1
    stuck.cancel()
    await gate.close()


async def test_closing_releases_every_waiting_work_at_once() -> None:
    gate = AckFirst(quiet=0.05, patience=30)
    never = asyncio.Event()
    stuck = asyncio.create_task(request(gate, never))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(gate.turn()) for _ in range(3)]
    await asyncio.sleep(0.05)
    await gate.close()
    await asyncio.wait_for(asyncio.gather(*waiting), 0.5)
    await gate.turn()  # and stays open
    stuck.cancel()
