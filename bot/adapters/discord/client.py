"""The wiring: a ``discord.Client`` taking its dependencies in ``__init__``, doing start-up work in ``setup_hook``."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.adapters.discord.autocomplete import Autocomplete, hint_for
from bot.adapters.discord.buttons import PollButton
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
from bot.adapters.refresh import PollRefresher
from bot.core.clock import Clock
from bot.core.core import Core
from bot.core.scheduler import Scheduler
from bot.knowledge.base import KnowledgeBase
from bot.settings import Settings
from bot.store.port import Store

logger = logging.getLogger(__name__)


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
        if interaction.type is discord.InteractionType.application_command:
            request = to_request(interaction)
            await self.responder.answer(
                interaction, self.core.handle(request), defer_ephemeral=False, remember_poll=request.command == "poll"
            )
        elif interaction.type is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction)
        elif interaction.type is discord.InteractionType.component and not _still_shown(interaction):
            # discord.py drops a click on a button the message no longer has (a vote racing a Close): answer it
            custom_id = str(interaction_data(interaction).get("custom_id", ""))
            if PollButton.__discord_ui_compiled_template__.fullmatch(custom_id):
                await self.press_poll_button(interaction, custom_id)

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
        """A vote or Close button: the core decides, the poll's message is redrawn."""
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
        if reply.error and poll_id.isdigit():  # e.g. its deadline passed: make sure the message shows it closed
            found = await self.poll_messages.current(int(poll_id))
            if found is not None and found[1].closed:
                self.refresher.request(found[1])

    async def drain(self) -> None:
        """Finish the answers in flight and the pending poll-message edits."""
        await self.responder.drain()


def _still_shown(interaction: discord.Interaction[Any]) -> bool:
    custom_id = interaction_data(interaction).get("custom_id")
    rows = interaction.message.components if interaction.message is not None else []
    return any(getattr(c, "custom_id", None) == custom_id for row in rows for c in getattr(row, "children", [row]))


class ShardedDebateClient(DebateClient, discord.AutoShardedClient):
    """The same client, sharded (``DISCORD_SHARD_COUNT`` / ``DISCORD_SHARD_IDS``)."""
