"""Answering one interaction: the initial response within Discord's 3 seconds, deferring when the core is slow.

At shutdown (see :mod:`~bot.adapters.discord.inflight`) an answer whose core work is given up on
says :data:`RESTARTING`, in place of its "thinking…".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import discord
from discord.utils import MISSING

from bot.adapters.discord.errors import error_kind
from bot.adapters.discord.poll_messages import message_ref
from bot.adapters.discord.render import Rendered, render
from bot.adapters.inflight import RESTARTING, SHUTDOWN_GRACE, InFlight, flush_redraws
from bot.core.ports import PollStore
from bot.core.redraw import Redrawer
from bot.core.render_text import error_reply
from bot.core.reply import Reply
from bot.core.telemetry import Telemetry

logger = logging.getLogger(__name__)

DEFER_AFTER = 1.5
"""Seconds to wait for the core before deferring; Discord's deadline is 3 s after the user acted."""
DRAIN_WAIT = 5.0
"""Seconds :meth:`Responder.drain` waits for answers in flight."""
NO_MENTIONS = discord.AllowedMentions.none()


class Responder:
    """Runs the core for an interaction and sends its reply; poll replies update the poll's message."""

    def __init__(
        self,
        store: PollStore,
        redrawer: Redrawer,
        *,
        defer_after: float = DEFER_AFTER,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.store = store
        self.redrawer = redrawer
        self.defer_after = defer_after
        self.telemetry = telemetry or Telemetry()
        self.inflight = InFlight()

    async def answer(
        self,
        interaction: discord.Interaction[Any],
        work: Awaitable[Reply],
        *,
        defer_ephemeral: bool,
        remember_poll: bool = False,
    ) -> Reply:
        """Send the reply ``work`` produces; defer (privately if ``defer_ephemeral``) if it takes too long.

        With ``remember_poll``, a public poll in the reply is stored as the poll's message, so
        votes can redraw it later, across restarts.
        """
        with self.inflight.track():
            deferral: asyncio.Task[bool] | None = None

            def defer() -> None:  # the core is slow: show "thinking…" before Discord's 3 seconds run out
                nonlocal deferral
                if not self.inflight.gave_up.is_set():
                    deferral = asyncio.create_task(self._defer(interaction, defer_ephemeral))

            timer = asyncio.get_running_loop().call_later(self.defer_after, defer)
            try:
                reply = await self._outcome(interaction, work)
            finally:
                timer.cancel()
            deferred = deferral is not None and await deferral
            if reply is None:  # shut down before the core finished: say so, in place of "thinking…"
                reply = error_reply(RESTARTING)
                await self._send(interaction, render(reply), deferred, reply.ephemeral)
                return reply
            message_id = await self._send(interaction, render(reply), deferred, defer_ephemeral)
            poll = reply.poll
            if remember_poll and poll is not None and not reply.ephemeral and message_id is not None:
                ref = message_ref(interaction.channel_id or 0, message_id)
                await self.store.set_poll_message(poll_id=poll.poll_id, message_ref=ref)
                self.redrawer.shown(poll)
                self.redrawer.request(poll.poll_id)  # drawn only if a vote beat us to it
            return reply

    async def refuse(self, interaction: discord.Interaction[Any], message: str) -> None:
        """Answer at once, privately, with ``message`` (bad input caught before the core, or shutting down)."""
        await self._send(interaction, render(error_reply(message)), deferred=False, deferred_private=True)

    async def _defer(self, interaction: discord.Interaction[Any], private: bool) -> bool:
        try:
            await interaction.response.defer(ephemeral=private, thinking=True)
        except discord.HTTPException as exc:
            self.telemetry.platform_error(platform="discord", kind=error_kind(exc))
            logger.warning("could not defer interaction %s: %s %s", interaction.id, exc.status, exc.text)
        return True

    async def _outcome(self, interaction: discord.Interaction[Any], work: Awaitable[Reply]) -> Reply | None:
        """The core's reply, an apology if it failed, or ``None`` if shutdown gave up on it (and cancelled it)."""
        try:
            return await self.inflight.outcome(work)
        except Exception:
            logger.exception("the core failed on interaction %s", interaction.id)
            return error_reply("Something went wrong; it has been logged. Please try again.")

    async def _send(
        self, interaction: discord.Interaction[Any], rendered: Rendered, deferred: bool, deferred_private: bool
    ) -> int | None:
        """Send ``rendered``; return the id of the message it became (when Discord says)."""
        view = rendered.view if rendered.view is not None else MISSING
        try:
            if not deferred:
                sent = await interaction.response.send_message(
                    rendered.content,
                    embeds=rendered.embeds,
                    view=view,
                    ephemeral=rendered.ephemeral,
                    allowed_mentions=NO_MENTIONS,
                )
                return sent.message_id
            if rendered.ephemeral == deferred_private:
                edited = await interaction.edit_original_response(
                    content=rendered.content, embeds=rendered.embeds, view=rendered.view, allowed_mentions=NO_MENTIONS
                )
                return edited.id
            await interaction.delete_original_response()  # the "thinking…" message had the wrong visibility
            followup = await interaction.followup.send(
                rendered.content if rendered.content is not None else MISSING,
                embeds=rendered.embeds,
                view=view,
                ephemeral=rendered.ephemeral,
                allowed_mentions=NO_MENTIONS,
                wait=True,
            )
            return followup.id
        except discord.NotFound as exc:
            self.telemetry.platform_error(platform="discord", kind=error_kind(exc))
            logger.warning("interaction %s expired before its answer was sent (%s)", interaction.id, exc.code)
        except discord.HTTPException as exc:
            self.telemetry.platform_error(platform="discord", kind=error_kind(exc))
            logger.error("could not answer interaction %s: %s %s", interaction.id, exc.status, exc.text)
        return None

    async def drain(self) -> None:
        """Wait (up to :data:`DRAIN_WAIT`) for the answers in flight, then for the pending poll-message edits."""
        await self.inflight.wait(DRAIN_WAIT)
        await self.redrawer.flush()

    async def shutdown(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Finish or give up on the answers in flight, then send the pending poll-message edits; each bounded."""
        await self.inflight.shutdown(grace)
        await flush_redraws(self.redrawer, "Discord")
