"""A fake Slack on 127.0.0.1: the Web API methods debatebot calls, ``response_url`` sinks, and Socket Mode.

It records every request, checks messages against Slack's Block Kit limits (answering ``invalid_blocks``
like Slack), and can be told to fail: a 429 with ``Retry-After``, or any Slack error code.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.adapters.slack.block_rules import message_problems
from tests.adapters.slack.fake_socket import FakeSocketMode

BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
SIGNING_SECRET = "fake-signing-secret"
TEAM = "T0FAKE"
BOT_USER = "UBOT"


@dataclass
class Call:
    """One Web API request as the fake received it."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float


@dataclass
class Posted:
    """One POST to a ``response_url``."""

    key: str
    body: dict[str, Any]
    at: float


@dataclass
class Failure:
    status: int = 200
    error: str = "ratelimited"
    retry_after: int | None = None


@dataclass
class FakeSlack:
    bot_token: str = BOT_TOKEN
    app_token: str = APP_TOKEN
    team_id: str = TEAM
    bot_user_id: str = BOT_USER
    calls: list[Call] = field(default_factory=list)
    posted: list[Posted] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """Channel messages by (channel, ts), as last posted or updated."""
    admins: set[str] = field(default_factory=set)
    users_read_scope: bool = True
    unreachable: set[str] = field(default_factory=set)
    """Channels where posting answers ``not_in_channel``."""
    port: int = 0
    lose_answers: int = 0
    """Post the next N messages but answer 500, as when Slack's answer is lost: an unknown outcome."""

    def __post_init__(self) -> None:
        self.failures: dict[str, list[Failure]] = defaultdict(list)
        self.socket = FakeSocketMode(self)
        self._ts = itertools.count(1)
        self._keys = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.on_post: Callable[[str, dict[str, Any]], None] | None = None

    # Life cycle ------------------------------------------------------------

    async def start(self, port: int = 0) -> FakeSlack:
        application = web.Application()
        application.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),
                web.post("/hooks/{kind}/{team}/{number}/{key}", self._response_url),
                web.get("/socket/{n}", self.socket.handler),
            ]
        )
        self._runner = web.AppRunner(application, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        await self.socket.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def socket_url(self, number: int) -> str:
        return f"ws://127.0.0.1:{self.port}/socket/{number}"

    def new_response_url(self, kind: str = "commands") -> tuple[str, str]:
        """A key for :meth:`answers`, and a ``response_url`` shaped like Slack's (``hooks.slack.com/commands/…``)."""
        number = next(self._keys)
        key = f"r{number}"
        return key, f"http://127.0.0.1:{self.port}/hooks/{kind}/{self.team_id}/{1700000000 + number}/{key}"

    # What tests look at ----------------------------------------------------

    def fail(
        self, method: str, *, status: int = 200, error: str = "ratelimited", retry_after: int | None = None
    ) -> None:
        """Make the next call to ``method`` fail (a 429 when ``status`` is 429)."""
        self.failures[method].append(Failure(status, error, retry_after))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def answers(self, key: str) -> list[dict[str, Any]]:
        """What was posted to one request's ``response_url``."""
        return [p.body for p in self.posted if p.key == key]

    async def wait_for(self, condition: Callable[[], object], within: float = 10.0) -> None:
        """Poll ``condition`` until it is true (for the bot in a subprocess, where ``drain`` is not available)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not condition():
            if loop.time() > deadline:
                raise AssertionError("the fake Slack did not see what the test waited for")
            await asyncio.sleep(0.02)

    # Web API ---------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        self.calls.append(Call(method, params, token, asyncio.get_running_loop().time()))
        if self.failures[method]:
            failure = self.failures[method].pop(0)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != wanted:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        result: dict[str, Any] = handler(params)
        status = int(result.pop("http_status", 200))
        return web.json_response({"ok": "error" not in result, **result}, status=status)

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.test/",
            "team": "Fake",
            "user": "debatebot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": "BBOT",
        }

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel in self.unreachable:
            return {"error": "not_in_channel"}
        if problems := message_problems(params):
            return {"error": "invalid_blocks", "errors": problems}
        ts = f"1700000000.{next(self._ts):06d}"
        self.messages[(channel, ts)] = {
            "text": params.get("text"),
            "blocks": params.get("blocks", []),
            "metadata": params.get("metadata"),
        }
        if self.on_post is not None:
            self.on_post("chat.postMessage", params)
        if self.lose_answers:
            self.lose_answers -= 1
            return {"error": "internal_error", "http_status": 500}
        return {"channel": channel, "ts": ts, "message": {"text": params.get("text"), "ts": ts}}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel in self.unreachable:
            return {"error": "not_in_channel"}
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("true", "1")
        found = sorted(((ts, m) for (c, ts), m in self.messages.items() if c == channel), reverse=True)
        limit = int(params.get("limit", 100))
        messages = [
            {
                "ts": ts,
                "text": m.get("text"),
                **({"metadata": m["metadata"]} if with_metadata and m.get("metadata") else {}),
            }
            for ts, m in found[:limit]
        ]
        return {"messages": messages, "has_more": len(found) > limit}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("channel")), str(params.get("ts")))
        if key not in self.messages:
            return {"error": "message_not_found"}
        if problems := message_problems(params):
            return {"error": "invalid_blocks", "errors": problems}
        self.messages[key] = {"text": params.get("text"), "blocks": params.get("blocks", [])}
        if self.on_post is not None:
            self.on_post("chat.update", params)
        return {"channel": key[0], "ts": key[1], "text": params.get("text")}

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if str(params.get("channel")) in self.unreachable:
            return {"error": "not_in_channel"}
        if problems := message_problems(params):
            return {"error": "invalid_blocks", "errors": problems}
        if self.on_post is not None:
            self.on_post("chat.postEphemeral", params)
        return {"message_ts": f"1700000000.{next(self._ts):06d}"}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"error": "invalid_trigger_id"}
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if self.on_post is not None:
            self.on_post("views.open", params)
        return {"view": {**view, "id": "V0FAKE", "state": {"values": {}}}}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_url(self.socket.opened + 1)}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.users_read_scope:
            return {"error": "missing_scope"}
        user = str(params.get("user"))
        return {"user": {"id": user, "name": user.lower(), "is_admin": user in self.admins, "is_owner": False}}

    # response_url ----------------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.posted.append(Posted(request.match_info["key"], body, asyncio.get_running_loop().time()))
        if problems := message_problems(body):
            return web.Response(status=400, text="invalid_blocks: " + "; ".join(problems))
        if self.on_post is not None:
            self.on_post("response_url", body)
        return web.Response(text="ok")


async def _params(request: web.Request) -> dict[str, Any]:
    """Form or JSON parameters, with ``blocks``/``view`` decoded when sent as JSON strings."""
    params: dict[str, Any] = dict(request.query)
    raw = await request.text()
    if request.content_type == "application/json" and raw:
        params.update(json.loads(raw))
    elif raw:
        params.update(parse_qsl(raw, keep_blank_values=True))
    for name in ("blocks", "view"):
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    return params
