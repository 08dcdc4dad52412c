"""Slack's Socket Mode side: ``hello`` on connect, envelopes out, acknowledgements back within 3 seconds."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.adapters.slack.fake_slack import FakeSlack

ACK_LIMIT = 3.0


@dataclass(frozen=True)
class Answer:
    """How a request was answered: HTTP status (200 for a Socket Mode ack), body, and how long it took."""

    status: int | None
    body: Any
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.status is None


class FakeSocketMode:
    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self.opened = 0
        self.connections: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._connected = asyncio.Condition()

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.opened += 1
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0FAKE"}})
        async with self._connected:
            self.connections.append(ws)
            self._connected.notify_all()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    data = json.loads(message.data)
                    future = self._acks.pop(str(data.get("envelope_id")), None)
                    if future is not None and not future.done():
                        future.set_result(data)
        finally:
            if ws in self.connections:
                self.connections.remove(ws)
        return ws

    async def wait_connected(self, within: float = 10.0) -> web.WebSocketResponse:
        async with self._connected:
            await asyncio.wait_for(self._connected.wait_for(lambda: bool(self.live())), within)
        return self.live()[-1]

    def live(self) -> list[web.WebSocketResponse]:
        return [ws for ws in self.connections if not ws.closed]

    async def send(self, kind: str, payload: dict[str, Any], **extra: Any) -> Answer:
        """Send one envelope (``slash_commands``, ``interactive``, ``events_api``) and wait up to 3 s for its ack."""
        ws = await self.wait_connected()
        envelope_id = f"env-{next(self._ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": True}
        started = time.monotonic()
        await ws.send_json({**envelope, **extra})
        try:
            ack = await asyncio.wait_for(future, ACK_LIMIT)
        except TimeoutError:
            self._acks.pop(envelope_id, None)
            return Answer(None, None, time.monotonic() - started)
        return Answer(200, ack.get("payload"), time.monotonic() - started)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        for ws in self.live():
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})

    async def close_all(self) -> None:
        for ws in list(self.connections):
            await ws.close()
        for future in self._acks.values():
            future.cancel()
        self._acks.clear()
