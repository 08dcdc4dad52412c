"""Command sync at start-up, only when the definitions changed since the last sync (a hash kept in the database).

With ``DISCORD_GUILD_IDS`` the commands go to those guilds (instantly visible); otherwise they are
global. Switching between the two clears the other scope, so no command shows up twice. With shards split
over several processes, only the process running shard 0 syncs.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import discord

from bot.adapters.discord.definitions import definitions_hash
from bot.core.ports import Store

logger = logging.getLogger(__name__)


def syncs_commands(shard_ids: tuple[int, ...]) -> bool:
    """Whether this process syncs the slash commands: the one that runs shard 0 (or every shard), so that
    several processes started together (``DISCORD_SHARD_IDS`` split over them) do not all write them at once."""
    return not shard_ids or 0 in shard_ids


class CommandSync:
    """Puts the slash-command definitions where they are missing or out of date."""

    def __init__(self, http: discord.http.HTTPClient, store: Store, application_id: int) -> None:
        self.http = http
        self.store = store
        self.app = application_id

    def _key(self, scope: str) -> str:
        return f"discord.commands.{self.app}.{scope}"

    async def sync(self, payloads: list[dict[str, Any]], guild_ids: tuple[int, ...]) -> list[str]:
        """Sync where needed; return the scopes that were written (``global`` or ``guild:<id>``)."""
        digest = definitions_hash(payloads)
        written: list[str] = []
        if guild_ids:
            if await self._put("global", [], only_if_synced=True):
                written.append("global (cleared)")
            for guild_id in guild_ids:
                if await self._put(f"guild:{guild_id}", payloads, digest=digest):
                    written.append(f"guild:{guild_id}")
        else:
            for guild_id in await self._synced_guilds():
                if await self._put(f"guild:{guild_id}", [], only_if_synced=True):
                    written.append(f"guild:{guild_id} (cleared)")
            if await self._put("global", payloads, digest=digest):
                written.append("global")
        await self.store.set_meta(key=self._key("guilds"), value=",".join(str(g) for g in guild_ids))
        if written:
            logger.info("synced Discord commands: %s", ", ".join(written))
        else:
            logger.info("Discord commands unchanged; no sync needed")
        return written

    async def _synced_guilds(self) -> list[int]:
        listed = await self.store.get_meta(key=self._key("guilds")) or ""
        return [int(part) for part in listed.split(",") if part.isdigit()]

    async def _put(
        self, scope: str, payloads: list[dict[str, Any]], *, digest: str = "", only_if_synced: bool = False
    ) -> bool:
        stored = await self.store.get_meta(key=self._key(scope))
        if (only_if_synced and not stored) or (not only_if_synced and stored == digest):
            return False
        body = cast(Any, payloads)
        try:
            if scope == "global":
                await self.http.bulk_upsert_global_commands(self.app, payload=body)
            else:
                await self.http.bulk_upsert_guild_commands(self.app, int(scope.split(":")[1]), payload=body)
        except discord.HTTPException as exc:
            logger.error("could not sync Discord commands (%s): %s %s", scope, exc.status, exc.text)
            return False
        await self.store.set_meta(key=self._key(scope), value=digest)
        return True
