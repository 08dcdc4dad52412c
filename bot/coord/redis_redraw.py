"""Poll redraw tokens shared by every process: at most one edit per poll per interval, the final state drawn.

Per poll, two keys:

- ``poll:{id}:draw``, the token: ``SET NX PX``; its holder draws. It is taken for the interval plus
  :data:`DRAW_TIMEOUT`, and when the draw is over it is kept one more interval (or deleted when nothing was edited),
  so two draws of one poll never overlap and each edit starts at least an interval after the one before ended.
  A holder that dies leaves it to lapse.
- ``poll:{id}:state``, a hash: ``changes`` counts the changes registered (the "dirty" flag as a counter: the poll
  needs a draw while ``changes > drawn``), ``drawn`` is the count the last finished draw covered, and ``shown``
  fingerprints the view it showed.

A process registers a change after it is committed (``HINCRBY changes``) in the same script that tries to take the
token. The holder reads the poll after taking it, so its draw shows every change counted up to then, and it reports
that count when done, if it still holds the token. A process that did not get the token keeps its change's number
and asks again when the token lapses: it stops waiting once a finished draw covers that number, or takes the token
and draws itself. So a change is drawn even when the holder dies mid-draw. Counts stay sound if Redis loses its data
(a restart without persistence): a draw that took the token after the restart started after every change counted
before it, and a holder from before the restart no longer holds a token, so reports nothing. While Redis is away
every process draws on its own.
"""

from __future__ import annotations

import itertools
import math
import uuid
from dataclasses import dataclass

from bot.coord.redis_link import RedisAway, RedisLink
from bot.core.coordination import GO, RedrawTurn

DRAW_TIMEOUT = 10.0
"""Seconds a draw may take before its token lapses and another process may draw (a holder that died)."""
STATE_TTL_MS = 24 * 3600 * 1000
"""A poll's state is forgotten after a day without changes (then at worst one redundant redraw)."""
MIN_WAIT = 0.05

TAKE = """
-- KEYS[1]: the poll's draw token; KEYS[2]: its state (hash: changes, drawn, shown).
-- ARGV: token value, token expiry (ms), state expiry (ms), the waiting change's number ('' to register a new one).
local change = tonumber(ARGV[4])
if not change then
  change = redis.call('HINCRBY', KEYS[2], 'changes', 1)
elseif tonumber(redis.call('HGET', KEYS[2], 'drawn') or '0') >= change then
  return {'covered'}
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'go', redis.call('HGET', KEYS[2], 'changes') or '0', redis.call('HGET', KEYS[2], 'shown') or ''}
end
return {'wait', change, redis.call('PTTL', KEYS[1])}
"""

DONE = """
-- KEYS as TAKE. ARGV: token value, changes covered by the take, fingerprint shown ('' if unknown),
-- '1' if the message was edited, the interval (ms), state expiry (ms).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  -- the token lapsed mid-draw: another process may have drawn since, so what the message shows is unknown
  if ARGV[4] == '1' then redis.call('HDEL', KEYS[2], 'shown') end
  return 0
end
if ARGV[4] == '1' and tonumber(ARGV[5]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
else
  redis.call('DEL', KEYS[1])
end
if ARGV[3] == '' then
  if ARGV[4] == '1' then redis.call('HDEL', KEYS[2], 'shown') end
  return 0
end
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[2], 'drawn') or '0') then
  redis.call('HSET', KEYS[2], 'drawn', ARGV[2])
end
redis.call('HSET', KEYS[2], 'shown', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
"""


@dataclass(frozen=True, slots=True)
class _Change:
    """A change waiting to be drawn: its number."""

    number: int


@dataclass(frozen=True, slots=True)
class _Take:
    """A token this process holds: its value, the changes it covers, and the interval it is held for."""

    value: str
    covers: int
    interval: float


class RedisRedrawTokens:
    """:class:`~bot.core.coordination.RedrawTokens` in Redis; every process draws on its own while Redis is away."""

    def __init__(
        self,
        link: RedisLink,
        *,
        draw_timeout: float = DRAW_TIMEOUT,
    ) -> None:
        self._link = link
        self._draw_timeout = draw_timeout
        self._take_script = link.script(TAKE)
        self._done_script = link.script(DONE)
        self._me = uuid.uuid4().hex[:12]
        self._takes = itertools.count()

    async def request(self, poll_id: int, interval: float) -> RedrawTurn:
        return await self._take(poll_id, interval, None) or GO

    async def retry(self, poll_id: int, turn: RedrawTurn, interval: float) -> RedrawTurn | None:
        change = turn.ticket
        return await self._take(poll_id, interval, change) if isinstance(change, _Change) else GO

    async def _take(self, poll_id: int, interval: float, change: _Change | None) -> RedrawTurn | None:
        if not self._link.up:
            return GO
        value = f"{self._me}:{next(self._takes)}"
        expiry = math.ceil((max(interval, 0.0) + self._draw_timeout) * 1000)
        waiting = "" if change is None else change.number
        try:
            answer = await self._link.run(
                self._take_script, self._keys(poll_id), (value, expiry, STATE_TTL_MS, waiting)
            )
        except RedisAway:
            return GO
        assert isinstance(answer, list)
        if answer[0] == "covered":
            return None
        if answer[0] == "go":
            take = _Take(value, int(answer[1]), interval)
            return RedrawTurn(go=True, shown=str(answer[2]) or None, ticket=take)
        token_left = max(int(answer[2]), 0) / 1000
        wait = max(MIN_WAIT, min(token_left, max(interval, MIN_WAIT)))
        return RedrawTurn(go=False, wait=wait, ticket=_Change(int(answer[1])))

    async def done(self, poll_id: int, turn: RedrawTurn, shown: str | None, *, edited: bool) -> None:
        take = turn.ticket
        if not isinstance(take, _Take) or not self._link.up:
            return
        interval_ms = math.ceil(take.interval * 1000)
        args = (take.value, take.covers, shown or "", "1" if edited else "0", interval_ms, STATE_TTL_MS)
        try:
            await self._link.run(self._done_script, self._keys(poll_id), args)
        except RedisAway:
            return  # the token lapses by itself

    def _keys(self, poll_id: int) -> list[str]:
        return [self._link.key("poll", poll_id, "draw"), self._link.key("poll", poll_id, "state")]
