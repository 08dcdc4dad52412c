"""A fake Discord on 127.0.0.1: the REST routes and the gateway websocket discord.py uses for a slash-command bot.

It enforces what real Discord enforces and the bot must respect: an initial interaction response
within 3 seconds (later: 404, code 10062), only one initial response (then: 400, code 40060), the
bot token, and no privileged intents unless allowed (gateway close 4014). It records every request
and message so tests can assert on what the bot actually sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_gateway import FakeGateway
from tests.adapters.discord.fake_records import Actor, Interaction, Message, buttons, message_text, unescape

__all__ = ["Actor", "FakeDiscord", "Interaction", "Message", "buttons", "message_text", "unescape"]

CALLBACK_MESSAGE, CALLBACK_DEFER, CALLBACK_DEFER_UPDATE, CALLBACK_UPDATE, CALLBACK_CHOICES = 4, 5, 6, 7, 8


def _json(data: Any, status: int = 200) -> web.Response:
    # exactly "application/json": with a charset, discord.py would read the body as text
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)


class FakeDiscord(FakeGateway):
    """Start with :meth:`start`, point the bot at :attr:`api_url` and :attr:`gateway_url`, stop with :meth:`stop`."""

    def __init__(
        self,
        token: str = "fake-bot-token",
        *,
        deadline: float = 3.0,
        close_on_identify: int | None = None,
        allow_privileged_intents: bool = False,
        on_change: Callable[[str, Any], None] | None = None,
    ) -> None:
        super().__init__(token, close_on_identify=close_on_identify, allow_privileged_intents=allow_privileged_intents)
        self.deadline = deadline
        self.on_change = on_change
        self.requests: list[tuple[str, str]] = []
        self.command_puts: list[tuple[str, list[dict[str, Any]]]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.messages: dict[int, Message] = {}
        self.channel_edits: list[tuple[int, float, dict[str, Any]]] = []
        self.channel_posts: list[dict[str, Any]] = []
        self.interactions: dict[int, Interaction] = {}
        self._nonces: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self.deleted_channels: set[int] = set()
        """Channels that no longer exist: posting there answers 404, code 10003 (Unknown Channel)."""
        self.lose_answers = 0
        """Create the next N messages but answer 500, as when Discord's answer is lost: an unknown outcome."""
        self.rate_limit_edits = 0
        """Answer the next N channel-message edits 429 (retry after :attr:`retry_after` s) without applying them."""
        self.retry_after = 0.05
        self.rate_limited: list[tuple[str, str]] = []
        """The requests answered 429."""

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def env(self) -> dict[str, str]:
        """The settings that point the bot here."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE_URL": self.api_url,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        api = "/api/v10"
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_get(f"{api}/gateway/bot", self._gateway_bot)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._put_commands)
        app.router.add_put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self._put_commands)
        app.router.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_route("*", f"{api}/webhooks/{{app}}/{{token}}/messages/{{message}}", self._webhook_message)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self._create_message)
        app.router.add_patch(f"{api}/channels/{{channel}}/messages/{{message}}", self._edit_message)
        app.middlewares.append(self._record)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        assert server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _changed(self, what: str, item: Any) -> None:
        if self.on_change is not None:
            self.on_change(what, item)

    # --- REST ----------------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        bot_route = request.path.startswith(("/api/v10/users", "/api/v10/oauth2", "/api/v10/applications"))
        bot_route |= request.path.startswith(("/api/v10/channels", "/api/v10/gateway"))
        if bot_route and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        response: web.StreamResponse = await handler(request)
        return response

    async def _me(self, request: web.Request) -> web.Response:
        return _json(p.BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return _json(p.application())

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _put_commands(self, request: web.Request) -> web.Response:
        scope = f"guild:{request.match_info['guild']}" if "guild" in request.match_info else "global"
        body = await request.json()
        self.command_puts.append((scope, body))
        stored = [
            {**command, "id": str(next(self._ids)), "application_id": str(p.APP_ID), "version": "1"} for command in body
        ]
        self.commands[scope] = stored
        return _json(stored)

    def _new_message(
        self, channel_id: int, data: dict[str, Any], interaction_id: int | None = None, guild_id: int = p.GUILD_ID
    ) -> Message:
        message = Message(id=next(self._ids), channel_id=channel_id, interaction_id=interaction_id, guild_id=guild_id)
        message.flags = (data.get("flags") or 0) & (p.EPHEMERAL | p.LOADING)
        message.apply(data)
        message.flags |= (data.get("flags") or 0) & p.LOADING
        self.messages[message.id] = message
        return message

    async def _callback(self, request: web.Request) -> web.Response:
        found = self.interactions.get(int(request.match_info["id"]))
        if found is None or found.token != request.match_info["token"]:
            return _error(404, 10062, "Unknown interaction")
        elapsed = time.monotonic() - found.sent_at
        body = await request.json()
        kind = body.get("type")
        if elapsed > self.deadline:
            found.callbacks.append((404, kind, elapsed))
            return _error(404, 10062, "Unknown interaction")
        if found.acknowledged:
            found.callbacks.append((400, kind, elapsed))
            return _error(400, 40060, "Interaction has already been acknowledged.")
        found.acknowledged = True
        found.callbacks.append((200, kind, elapsed))
        data = body.get("data") or {}
        message: Message | None = None
        if kind == CALLBACK_CHOICES:
            found.choices = data.get("choices", [])
        elif kind in (CALLBACK_MESSAGE, CALLBACK_DEFER):
            flags = (data.get("flags") or 0) | (p.LOADING if kind == CALLBACK_DEFER else 0)
            message = self._new_message(found.channel_id, {**data, "flags": flags}, found.id, found.guild_id)
            found.messages.append(message.id)
        found.deferred = kind in (CALLBACK_DEFER, CALLBACK_DEFER_UPDATE)
        if not found.deferred:
            found.answered.set()
            self._changed("answer", found)
        summary: dict[str, Any] = {
            "id": str(found.id),
            "type": found.kind,
            "response_message_id": str(message.id) if message else None,
            "response_message_loading": kind == CALLBACK_DEFER,
            "response_message_ephemeral": bool(message and message.ephemeral),
        }
        result: dict[str, Any] = {"interaction": summary}
        if message is not None:
            result["resource"] = {"type": kind, "message": message.json()}
        return _json(result)

    def _by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    async def _webhook_message(self, request: web.Request) -> web.Response:
        found = self._by_token(request.match_info["token"])
        if found is None or not found.messages:
            return _error(404, 10015, "Unknown Webhook")
        name = request.match_info["message"]
        message_id = found.messages[0] if name == "@original" else int(name)
        message = self.messages.get(message_id)
        if message is None or message.deleted:
            return _error(404, 10008, "Unknown Message")
        if request.method == "DELETE":
            message.deleted = True
            return web.Response(status=204)
        if request.method == "PATCH":
            message.apply(await request.json())
            message.edits += 1
            found.answered.set()
            self._changed("answer", found)
        return _json(message.json())

    async def _followup(self, request: web.Request) -> web.Response:
        found = self._by_token(request.match_info["token"])
        if found is None or not found.acknowledged:
            return _error(404, 10015, "Unknown Webhook")
        message = self._new_message(found.channel_id, await request.json(), found.id, found.guild_id)
        found.messages.append(message.id)
        found.answered.set()
        self._changed("answer", found)
        return _json(message.json())

    async def _create_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        if int(request.match_info["channel"]) in self.deleted_channels:
            return _error(404, 10003, "Unknown Channel")
        self.channel_posts.append(body)
        nonce = body.get("nonce")
        if body.get("enforce_nonce") and nonce in self._nonces:
            return _json(self.messages[self._nonces[nonce]].json())  # Discord's answer to a repeated post
        message = self._new_message(int(request.match_info["channel"]), body)
        if nonce is not None:
            self._nonces[nonce] = message.id
        self._changed("message", message)
        if self.lose_answers:
            self.lose_answers -= 1
            return _error(500, 0, "Internal Server Error")
        return _json(message.json())

    async def _edit_message(self, request: web.Request) -> web.Response:
        if self.rate_limit_edits:
            self.rate_limit_edits -= 1
            return self._too_many_requests(request)
        message = self.messages.get(int(request.match_info["message"]))
        if message is None or message.deleted or message.ephemeral:
            return _error(404, 10008, "Unknown Message")
        body = await request.json()
        message.apply(body)
        message.edits += 1
        self.channel_edits.append((message.id, time.monotonic(), body))
        self._changed("edit", message)
        return _json(message.json())

    def _too_many_requests(self, request: web.Request) -> web.Response:
        """Discord's per-route 429: JSON with ``retry_after`` and a ``Via`` header (without one, discord.py takes it
        for a Cloudflare ban and gives up instead of waiting)."""
        self.rate_limited.append((request.method, request.path))
        body = {"message": "You are being rate limited.", "retry_after": self.retry_after, "global": False}
        response = _json(body, 429)
        response.headers.update(
            {"Retry-After": str(self.retry_after), "Via": "1.1 google", "X-RateLimit-Scope": "user"}
        )
        return response

    # --- driving the bot, as users would ---------------------------------------------------------

    async def _interact(
        self, kind: int, data: dict[str, Any], actor: Actor, message: Message | None = None, guild_id: int | None = None
    ) -> Interaction:
        guild = guild_id or (message.guild_id if message else p.GUILD_ID)
        channel = self.guilds[guild]
        session = self._guild_session(guild)
        await asyncio.wait_for(session.connected.wait(), 10)
        interaction = Interaction(
            id=next(self._ids),
            token=f"itoken-{next(self._ids)}",
            kind=kind,
            sent_at=0.0,
            guild_id=guild,
            channel_id=channel,
        )
        self.interactions[interaction.id] = interaction
        payload = p.interaction(
            interaction.id,
            interaction.token,
            kind,
            data,
            actor.member(),
            message.json() if message else None,
            guild_id=guild,
            channel_id=channel,
        )
        interaction.sent_at = time.monotonic()
        await self._dispatch(session, "INTERACTION_CREATE", payload)
        return interaction

    def _command_data(self, name: str, options: dict[str, Any], subcommand: str | None) -> dict[str, Any]:
        def option(key: str, value: Any) -> dict[str, Any]:
            kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
            return {"name": key, "type": kind, "value": value}

        listed = [option(k, v) for k, v in options.items()]
        if subcommand is not None:
            listed = [{"name": subcommand, "type": 1, "options": listed}]
        command = next((c for cs in self.commands.values() for c in cs if c["name"] == name), None)
        return {
            "id": command["id"] if command else "1",
            "name": name,
            "type": 1,
            "options": listed,
            "guild_id": str(p.GUILD_ID),
        }

    async def slash(self, name: str, actor: Actor, subcommand: str | None = None, /, **options: Any) -> Interaction:
        """A member runs ``/name [subcommand] option:value…``."""
        return await self._interact(2, self._command_data(name, options, subcommand), actor)

    async def slash_in(self, guild_id: int, name: str, actor: Actor, /, **options: Any) -> Interaction:
        """A member of another guild (see :meth:`add_guild`) runs ``/name option:value…`` in its channel."""
        data = self._command_data(name, options, None)
        data["guild_id"] = str(guild_id)
        return await self._interact(2, data, actor, guild_id=guild_id)

    async def autocomplete(
        self, name: str, actor: Actor, focused: str, typed: str, subcommand: str | None = None, **options: Any
    ) -> Interaction:
        """A member is typing ``typed`` into option ``focused`` of ``/name``."""
        data = self._command_data(name, {**options, focused: typed}, subcommand)
        listed = data["options"][0]["options"] if subcommand else data["options"]
        for item in listed:
            if item["name"] == focused:
                item["focused"] = True
        return await self._interact(4, data, actor)

    async def click(self, message: Message, custom_id: str, actor: Actor, component_type: int = 2) -> Interaction:
        """A member presses the button ``custom_id`` on ``message`` (or picks nothing in a select menu)."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2:
            data["values"] = []
        return await self._interact(3, data, actor, message)

    async def submit_modal(self, custom_id: str, actor: Actor) -> Interaction:
        """A member submits a (stale) modal form ``custom_id`` with one empty text field."""
        field = {"type": 4, "custom_id": "field", "value": ""}
        data = {"custom_id": custom_id, "components": [{"type": 1, "components": [field]}]}
        return await self._interact(5, data, actor)

    async def answer(self, interaction: Interaction, within: float = 10.0) -> Message:
        """The message the bot answered ``interaction`` with (after a deferral: the final one)."""
        await asyncio.wait_for(interaction.answered.wait(), within)
        live = [self.messages[m] for m in interaction.messages if not self.messages[m].deleted]
        if not live:
            raise AssertionError(f"interaction {interaction.id} has no visible answer")
        return live[-1]

    async def choices(self, interaction: Interaction, within: float = 10.0) -> list[dict[str, Any]]:
        await asyncio.wait_for(interaction.answered.wait(), within)
        assert interaction.choices is not None
        return interaction.choices
