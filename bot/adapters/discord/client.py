"""The wiring: a ``discord.Client`` taking its dependencies in ``__init__``, doing start-up work in ``setup_hook``."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.adapters.discord.autocomplete import Autocomplete, hint_for
from bot.adapters.discord.buttons import UNKNOWN_COMPONENT, button_action
from bot.adapters.discord.definitions import command_payloads
from bot.adapters.discord.endpoints import discord_endpoints
from bot.adapters.discord.errors import error_kind
from bot.adapters.discord.poll_messages import PollMessages
from bot.adapters.discord.publisher import DiscordPublisher
from bot.adapters.discord.send import DEFER_AFTER, Responder
from bot.adapters.discord.sync import CommandSync, syncs_commands
from bot.adapters.discord.translate import (
    PLATFORM,
    action_to_request,
    interaction_data,
    parse_command_data,
    to_request,
)
from bot.adapters.http_trace import rate_limit_trace
from bot.adapters.inflight import RESTARTING, SHUTDOWN_GRACE
from bot.app import App
from bot.core.actions import Action
from bot.core.errors import UserError

logger = logging.getLogger(__name__)

COMPONENT_KINDS = (discord.InteractionType.component, discord.InteractionType.modal_submit)


class DebateClient(discord.Client):
    """Slash commands, autocomplete and poll buttons, answered by the core."""

    def __init__(
        self, *, app: App, refresh_interval: float = 2.0, defer_after: float = DEFER_AFTER, **options: Any
    ) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice here: no warnings about it
        telemetry = app.core.services.telemetry
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            http_trace=rate_limit_trace(telemetry, PLATFORM),
            **options,
        )
        self.app = app
        self.core = app.core
        self.settings = app.settings
        self.autocomplete = Autocomplete(app.kb, app.core.services.names)
        self.poll_messages = PollMessages(self, app.store)
        self.refresh_interval = refresh_interval
        self.responder = Responder(app.store, app.redrawer, defer_after=defer_after, telemetry=telemetry)

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        with discord_endpoints(self.settings.discord_api_base_url, self.settings.discord_gateway_url):
            await super().start(token, reconnect=reconnect)

    async def setup_hook(self) -> None:
        assert self.application_id is not None
        payloads = command_payloads(self.core.registry)
        if syncs_commands(self.settings.discord_shard_ids):
            sync = CommandSync(self.http, self.app.store, self.application_id)
            await sync.sync(payloads, self.settings.discord_guild_ids)
        else:
            logger.info("slash commands are synced by the process that runs shard 0, not by this one")
        # digests, timed closes and poll redraws in Discord channels go out through this client from now on
        publisher = DiscordPublisher(self, self.poll_messages, self.core.services.telemetry)
        self.app.attach(publisher, redraw_interval=self.refresh_interval)

    async def close(self) -> None:
        self.app.detach(PLATFORM)
        await super().close()

    def gateway_open(self) -> bool:
        """Logged in, and the gateway connection is open now (not closed, not reconnecting)."""
        ws = self.ws
        return self.is_ready() and not self.is_closed() and ws is not None and ws.open

    async def on_ready(self) -> None:
        logger.info("connected to Discord as %s (id %s) in %d guilds", self.user, self.application_id, len(self.guilds))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        kind = interaction.type
        if kind is discord.InteractionType.application_command:
            await self._command(interaction)
        elif kind is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction)
        elif kind in COMPONENT_KINDS:  # every click and any modal: see bot.adapters.discord.buttons
            await self.press_poll_button(interaction, button_action(interaction))

    async def _command(self, interaction: discord.Interaction[Any]) -> None:
        with self.responder.inflight.track():
            if self.responder.inflight.stopping:
                await self.responder.refuse(interaction, RESTARTING)
                return
            try:
                request = to_request(interaction, self.core.registry)
            except UserError as exc:
                await self.responder.refuse(interaction, str(exc))
                return
            await self.responder.answer(
                interaction, self.core.handle(request), defer_ephemeral=False, remember_poll=request.command == "poll"
            )

    async def _autocomplete(self, interaction: discord.Interaction[Any]) -> None:
        invocation = parse_command_data(interaction_data(interaction))
        hint = hint_for(self.core.registry, invocation.command, invocation.subcommand, invocation.focused)
        typed = invocation.args.get(invocation.focused or "", "")
        choices = [
            discord.app_commands.Choice(name=c.name, value=c.value) for c in self.autocomplete.choices(hint, typed)
        ]
        try:
            await interaction.response.autocomplete(choices)
        except discord.HTTPException as exc:
            self.core.services.telemetry.platform_error(platform=PLATFORM, kind=error_kind(exc))
            logger.warning("could not answer autocomplete %s: %s %s", interaction.id, exc.status, exc.text)

    async def press_poll_button(self, interaction: discord.Interaction[Any], action_id: str) -> None:
        """A vote or Close button: the core decides (and has the poll redrawn); anything else is refused."""
        with self.responder.inflight.track():
            stopping = self.responder.inflight.stopping
            action = Action.unpack(action_id)
            if stopping or action is None:
                await self.responder.refuse(interaction, RESTARTING if stopping else UNKNOWN_COMPONENT)
                return
            message = interaction.message
            if message is not None and interaction.channel_id is not None and not message.flags.ephemeral:
                self.poll_messages.clicked(action.poll_id, interaction.channel_id, message.id)
            request = action_to_request(interaction, action, self.core.registry)
            await self.responder.answer(interaction, self.core.handle(request), defer_ephemeral=True)

    async def drain(self) -> None:
        """Finish the answers in flight and the pending poll-message edits."""
        await self.responder.drain()

    async def shutdown(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Take no new work; finish (or tell "restarting") every answer in flight; send pending poll edits."""
        await self.responder.shutdown(grace)


class ShardedDebateClient(DebateClient, discord.AutoShardedClient):
    """The same client, sharded (``DISCORD_SHARD_COUNT`` / ``DISCORD_SHARD_IDS``)."""

    def gateway_open(self) -> bool:
        """Logged in, and every shard's gateway connection is open now."""
        shards = self.shards.values()
        return self.is_ready() and not self.is_closed() and bool(shards) and not any(s.is_closed() for s in shards)
