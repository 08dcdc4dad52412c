"""The wiring: a ``discord.Client`` taking its dependencies in ``__init__``, doing start-up work in ``setup_hook``."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.adapters.discord.autocomplete import Autocomplete, hint_for
from bot.adapters.discord.buttons import PollButton
from bot.adapters.discord.components import UNKNOWN_COMPONENT, button_action, dispatched_by_discord_py, is_poll_action
from bot.adapters.discord.definitions import command_payloads
from bot.adapters.discord.endpoints import discord_endpoints
from bot.adapters.discord.poll_messages import PollMessages
from bot.adapters.discord.publisher import DiscordPublisher
from bot.adapters.discord.respond import DEFER_AFTER, Responder
from bot.adapters.discord.sync import CommandSync
from bot.adapters.discord.translate import (
    PLATFORM,
    interaction_data,
    parse_command_data,
    place,
    to_request,
    user_for,
)
from bot.adapters.inflight import RESTARTING, SHUTDOWN_GRACE
from bot.adapters.refresh import PollRefresher
from bot.core.clock import Clock
from bot.core.core import Core
from bot.core.errors import UserError
from bot.core.scheduler import Scheduler
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from bot.store.port import Store

logger = logging.getLogger(__name__)

COMPONENT_KINDS = (discord.InteractionType.component, discord.InteractionType.modal_submit)


class DebateClient(discord.Client):
    """Slash commands, autocomplete and poll buttons, answered by the core."""

    def __init__(
        self,
        *,
        core: Core,
        store: Store,
        kb: KnowledgeBase,
        clock: Clock,
        settings: Settings,
        refresh_interval: float = 2.0,
        defer_after: float = DEFER_AFTER,
        scheduler: Scheduler | None = None,
        **options: Any,
    ) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice here: no warnings about it
        super().__init__(
            intents=discord.Intents(guilds=True), allowed_mentions=discord.AllowedMentions.none(), **options
        )
        self.core = core
        self.store = store
        self.settings = settings
        self.autocomplete = Autocomplete(kb, core.services.names)
        self.poll_messages = PollMessages(self, store, clock)
        self.refresher = PollRefresher(self.poll_messages.update, interval=refresh_interval)
        self.responder = Responder(store, self.refresher, defer_after=defer_after)
        self.scheduler = scheduler

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        with discord_endpoints(self.settings.discord_api_base_url, self.settings.discord_gateway_url):
            await super().start(token, reconnect=reconnect)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(PollButton)  # every start, so buttons on old messages keep working
        assert self.application_id is not None
        payloads = command_payloads(self.core.registry)
        await CommandSync(self.http, self.store, self.application_id).sync(payloads, self.settings.discord_guild_ids)
        if self.scheduler is not None:  # digests and timed polls in Discord channels go out through this client
            self.scheduler.publishers[PLATFORM] = DiscordPublisher(self, self.poll_messages)
            self.scheduler.wake()

    async def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.publishers.pop(PLATFORM, None)
        await super().close()

    async def on_ready(self) -> None:
        logger.info("connected to Discord as %s (id %s) in %d guilds", self.user, self.application_id, len(self.guilds))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        kind = interaction.type
        if kind is discord.InteractionType.application_command:
            await self._command(interaction)
        elif kind is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction)
        elif kind in COMPONENT_KINDS and not dispatched_by_discord_py(interaction):
            # every click discord.py drops (an unknown id, a vote racing a Close) and any modal: answered here
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
            logger.warning("could not answer autocomplete %s: %s %s", interaction.id, exc.status, exc.text)

    async def press_poll_button(self, interaction: discord.Interaction[Any], action_id: str) -> None:
        """A vote or Close button: the core decides, the poll's message is redrawn; anything else is refused."""
        with self.responder.inflight.track():
            stopping = self.responder.inflight.stopping
            if stopping or not is_poll_action(action_id):
                await self.responder.refuse(interaction, RESTARTING if stopping else UNKNOWN_COMPONENT)
                return
            command, _, rest = action_id.partition(":")
            workspace, channel = place(interaction)
            work = self.core.handle_action(
                platform=PLATFORM,
                workspace=workspace,
                channel=channel,
                user=user_for(interaction, command),
                action_id=action_id,
            )
            reply = await self.responder.answer(interaction, work, defer_ephemeral=True)
            poll_id = rest.partition(":")[0]
            if reply.error and not self.responder.inflight.stopping and poll_id.isdigit():
                found = await self.poll_messages.current(int(poll_id))  # e.g. its deadline passed: show it closed
                if found is not None and found[1].closed:
                    self.refresher.request(found[1])

    async def drain(self) -> None:
        """Finish the answers in flight and the pending poll-message edits."""
        await self.responder.drain()

    async def shutdown(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Take no new work; finish (or tell "restarting") every answer in flight; send pending poll edits."""
        await self.responder.shutdown(grace)


class ShardedDebateClient(DebateClient, discord.AutoShardedClient):
    """The same client, sharded (``DISCORD_SHARD_COUNT`` / ``DISCORD_SHARD_IDS``)."""
