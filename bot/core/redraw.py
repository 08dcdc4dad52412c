"""The one redrawer of poll messages: a reply names the polls it changed, and this draws them, coalesced.

A burst of 1,000 votes must not become 1,000 message edits (the platforms rate-limit them), and
the message must end up showing the final count. :meth:`Redrawer.request` only marks a poll; per
poll, at most one redraw starts per interval, and each reads the poll and its tally once, fresh
from the store, so the last redraw shows the final state whatever order the votes finished in,
and a late vote can never undo a Close. A view identical to the one last drawn is not drawn again.

Both adapters, ``/close``, a vote refused by a closed poll and the scheduler's timed close all go
through here; drawing is the platform's :class:`~bot.core.publisher.Publisher` ``update_poll``.

When several processes share the polls, a :class:`~bot.core.coordination.RedrawTokens` backend makes the interval
hold across them: only the process holding a poll's token draws it, the others wait for it, and a view that any of
them last drew is not drawn again.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from bot.core.clock import Clock
from bot.core.coordination import LocalRedrawTokens, RedrawTokens, RedrawTurn
from bot.core.polls import poll_view
from bot.core.ports import PollStore, StoreError
from bot.core.publisher import Publisher
from bot.core.reply import PollView
from bot.core.telemetry import Telemetry, request_id

logger = logging.getLogger(__name__)

REMEMBERED = 4096
"""Polls whose last drawn view is remembered (to skip drawing it again)."""
DEFAULT_INTERVAL = 2.0
"""Seconds between two redraws of one poll: Discord and Slack both allow about one message edit per second."""


class Redrawer:
    def __init__(
        self,
        polls: PollStore,
        clock: Clock,
        publishers: Mapping[str, Publisher],
        *,
        interval: float = DEFAULT_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
        telemetry: Telemetry | None = None,
        tokens: RedrawTokens | None = None,
    ) -> None:
        self._polls = polls
        self._clock = clock
        self._publishers = publishers
        self.interval = interval
        """Seconds between redraws of one poll; per platform in :attr:`intervals` when set there."""
        self.intervals: dict[str, float] = {}
        self._monotonic = monotonic
        self._telemetry = telemetry or Telemetry()
        self._tokens = tokens or LocalRedrawTokens()
        self._wanted: set[int] = set()
        self._failing: set[int] = set()
        """Polls whose last redraw failed because the database was away (warned about once, retried)."""
        self._last_start: dict[int, float] = {}
        self._drawn: OrderedDict[int, PollView] = OrderedDict()
        self._platform: dict[int, str] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self.redraws = 0
        """How many times a poll was drawn (for tests and benchmarks)."""

    def request(self, *poll_ids: int) -> None:
        """Redraw these polls' messages soon (coalesced with other requests for them)."""
        for poll_id in poll_ids:
            if poll_id in self._wanted:
                self._telemetry.redraw_coalesced()  # the redraw already waiting will show this change too
            self._wanted.add(poll_id)
            if poll_id not in self._tasks:
                self._tasks[poll_id] = asyncio.create_task(
                    self._run(poll_id), name=f"redraw-poll-{poll_id}", context=_outside_requests()
                )

    def shown(self, view: PollView) -> None:
        """The poll's message was just posted showing ``view``: a redraw to that same view is skipped."""
        self._drawn[view.poll_id] = view

    async def _run(self, poll_id: int) -> None:
        try:
            while poll_id in self._wanted:
                wait = self._last_start.get(poll_id, -1e9) + self._interval_for(poll_id) - self._monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._wanted.discard(poll_id)
                turn = await self._turn(poll_id)
                if turn is None:
                    continue  # another process has drawn it since the change, or will
                self._last_start[poll_id] = self._monotonic()
                shown, edited = None, True
                try:
                    shown, edited = await self._redraw(poll_id, turn.shown)
                except StoreError as exc:  # the database is away for now: try again each interval until it is back
                    if poll_id not in self._failing:
                        logger.warning("could not redraw poll #%d (%s); trying again every interval", poll_id, exc)
                    self._failing.add(poll_id)
                    self._wanted.add(poll_id)
                except Exception:
                    logger.exception("could not redraw the message of poll #%d", poll_id)
                else:
                    if poll_id in self._failing:
                        self._failing.discard(poll_id)
                        logger.info("poll #%d redrawn again", poll_id)
                await self._tokens.done(poll_id, turn, shown, edited=edited)
        finally:
            self._tasks.pop(poll_id, None)

    async def _turn(self, poll_id: int) -> RedrawTurn | None:
        """Wait until this process may draw the poll; ``None`` if another process drew the change meanwhile, or
        (tokens shared) if this process does not run the poll's platform."""
        if not isinstance(self._tokens, LocalRedrawTokens):  # shared: the token is for a process that can draw it
            if poll_id not in self._platform:
                await self._learn_platform(poll_id)
            platform = self._platform.get(poll_id)
            if platform is not None and platform not in self._publishers:
                return None  # not a platform of this process: leave the token to one that runs it
        interval = self._interval_for(poll_id)
        turn = await self._tokens.request(poll_id, interval)
        while not turn.go:
            await asyncio.sleep(turn.wait)
            again = await self._tokens.retry(poll_id, turn, interval)
            if again is None:
                return None
            turn = again
        return turn

    async def _learn_platform(self, poll_id: int) -> None:
        try:
            poll = await self._polls.get_poll(poll_id=poll_id)
        except StoreError as exc:
            logger.warning("could not read poll #%d (%s)", poll_id, exc)
            return
        except Exception:
            logger.exception("could not read poll #%d", poll_id)
            return
        if poll is not None:
            self._platform[poll_id] = poll.channel.platform

    def _interval_for(self, poll_id: int) -> float:
        return self.intervals.get(self._platform.get(poll_id, ""), self.interval)

    async def _redraw(self, poll_id: int, shown: str | None) -> tuple[str | None, bool]:
        """Draw the poll as it is now unless the message already shows that: the fingerprint of the view on the
        message (``None``: nothing drawn) and whether it was edited. ``shown`` fingerprints the view another process
        may have drawn since this one last did; the view this process last drew or posted counts when it is unknown."""
        snapshot = await self._polls.poll_snapshot(poll_id=poll_id)
        if snapshot is None:
            return None, False
        poll = snapshot.poll
        self._platform[poll_id] = poll.channel.platform
        publisher = self._publishers.get(poll.channel.platform)
        if publisher is None:  # that platform does not run in this process (the CLI closing a poll, say)
            return None, False
        view = poll_view(poll, snapshot.tally, self._clock.now())
        fingerprint = view_fingerprint(view)
        if fingerprint == shown or (shown is None and self._drawn.get(poll_id) == view):
            return fingerprint, False
        await publisher.update_poll(poll=poll, view=view)
        self.redraws += 1
        self._telemetry.poll_redrawn()
        self._drawn[poll_id] = view
        self._drawn.move_to_end(poll_id)
        while len(self._drawn) > REMEMBERED:  # the oldest are drawn again if asked: harmless
            forgotten, _ = self._drawn.popitem(last=False)
            self._platform.pop(forgotten, None)
            self._last_start.pop(forgotten, None)
        return fingerprint, True

    async def close(self) -> None:
        """Drop the redraws still waiting (the adapters have flushed theirs; the database is about to close)."""
        self._wanted.clear()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def flush(self) -> None:
        """Wait until every requested redraw has been done (on shutdown and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)


def _outside_requests() -> contextvars.Context:
    """The current context without a request id: a redraw serves every request that asked for it, not the first."""
    context = contextvars.copy_context()
    context.run(request_id.set, None)
    return context


def view_fingerprint(view: PollView) -> str:
    """A short digest of everything ``view`` shows, to tell processes which view a message shows."""
    return hashlib.blake2b(view.model_dump_json().encode(), digest_size=12).hexdigest()
