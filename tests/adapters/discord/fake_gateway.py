"""The fake Discord's gateway: HELLO, heartbeats, IDENTIFY (token and intents checked), READY, RESUME, op 7."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_records import Session

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


class FakeGateway:
    """Gateway sessions; :class:`~tests.adapters.discord.fake_discord.FakeDiscord` adds the REST side."""

    def __init__(self, token: str, *, close_on_identify: int | None, allow_privileged_intents: bool) -> None:
        self.token = token
        self.close_on_identify = close_on_identify
        self.allow_privileged_intents = allow_privileged_intents
        self.port = 0
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.sessions: dict[str, Session] = {}
        self.close_codes: list[int] = []
        self.identified = asyncio.Event()
        self._ids = itertools.count(950_000_000_000_000_001)
        self._sockets: set[web.WebSocketResponse] = set()
        self.guilds: dict[int, int] = {p.GUILD_ID: p.CHANNEL_ID}
        """The guilds the bot is in, each with its one text channel (see :meth:`add_guild`)."""

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: Session | None = None
        try:
            await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                if message["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif message["op"] == 2:
                    session = await self._identify(ws, message["d"])
                elif message["op"] == 6:
                    session = await self._resume(ws, message["d"])
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.connected.clear()
            if ws.close_code is not None:
                self.close_codes.append(ws.close_code)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        token = data.pop("token", None)
        self.identifies.append(data)
        if token != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        if self.close_on_identify is not None:
            await ws.close(code=self.close_on_identify, message=b"Closed by the test.")
            return None
        if data.get("intents", 0) & PRIVILEGED_INTENTS and not self.allow_privileged_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = tuple(data.get("shard") or (0, 1))
        session = Session(id=f"session-{next(self._ids)}", shard=(shard[0], shard[1]), ws=ws)
        self.sessions[session.id] = session
        in_shard = [guild for guild in self.guilds if shard_of(guild, session.shard[1]) == session.shard[0]]
        ready = {
            "v": 10,
            "user": p.BOT_USER,
            "guilds": [{"id": str(guild), "unavailable": True} for guild in in_shard],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(p.APP_ID), "flags": 0},
        }
        await self._dispatch(session, "READY", ready)
        for guild in in_shard:
            await self._dispatch(session, "GUILD_CREATE", p.guild(guild, self.guilds[guild]))
        session.connected.set()
        self.identified.set()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        token = data.pop("token", None)
        self.resumes.append(data)
        session = self.sessions.get(data.get("session_id", ""))
        if token != self.token or session is None:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return None
        session.ws = ws
        await self._dispatch(session, "RESUMED", {})
        session.connected.set()
        return session

    async def _dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        await session.ws.send_str(json.dumps({"op": 0, "t": event, "s": session.seq, "d": data}))

    def add_guild(self, guild_id: int) -> int:
        """Put the bot in another guild (before it connects); returns the id of the guild's text channel."""
        self.guilds[guild_id] = p.CHANNEL_ID + len(self.guilds)
        return self.guilds[guild_id]

    def _guild_session(self, guild_id: int = p.GUILD_ID) -> Session:
        """The session of the shard that gets ``guild_id``'s events (the last one to connect, after a restart)."""
        live = [s for s in self.sessions.values() if shard_of(guild_id, s.shard[1]) == s.shard[0]]
        if not live:
            raise AssertionError("the bot has not identified yet")
        return live[-1]

    async def wait_identified(self, within: float = 15.0) -> None:
        await asyncio.wait_for(self.identified.wait(), within)

    async def send_reconnect(self) -> None:
        """Gateway op 7: ask the bot to reconnect (and resume)."""
        session = self._guild_session()
        session.connected.clear()
        await session.ws.send_str(json.dumps({"op": 7, "d": None}))


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (guild_id >> 22) % shard_count
