"""The SQLite backend of :class:`~bot.store.port.Store`, on aiosqlite.

One connection per process, every operation serialised by a lock so coroutines never
share a transaction; writes begin ``IMMEDIATE`` so that another process (the CLI, a
second bot) waits on ``busy_timeout`` instead of failing half-way.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.migrations import migrate
from bot.store.port import Store, StoreError
from bot.store.records import (
    ChannelRef,
    DigestRun,
    NewPoll,
    OptionRecord,
    Poll,
    PollSummary,
    RunStatus,
    Subscription,
    Tally,
    VoteOutcome,
    Voter,
)

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(moment: datetime) -> str:
    """An aware datetime as fixed-width UTC text that sorts like time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the store only takes timezone-aware instants")
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


_OPEN = (
    "EXISTS (SELECT 1 FROM polls WHERE id = :poll AND closed_at IS NULL AND (closes_at IS NULL OR closes_at > :now))"
)


class SQLiteStore(Store):
    """Polls, votes and subscriptions in one SQLite file (WAL mode)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(self.path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA foreign_keys = ON")
            row = await self._enable_wal(db)
            if not row or str(row[0]).lower() != "wal":
                raise StoreError(f"{self.path}: SQLite refused WAL mode (journal_mode is {row[0] if row else '?'})")
            await db.execute("PRAGMA synchronous = NORMAL")
            await migrate(db)
        except BaseException:
            await db.close()
            raise
        self._db = db

    @staticmethod
    async def _enable_wal(db: aiosqlite.Connection) -> aiosqlite.Row | None:
        # Switching a new file to WAL needs a moment alone with it; SQLite reports "locked" at
        # once rather than waiting out busy_timeout, so wait here when another process is opening it.
        for attempt in range(50):
            try:
                async with db.execute("PRAGMA journal_mode = WAL") as cursor:
                    return await cursor.fetchone()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                await asyncio.sleep(0.1)
        return None

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the store is not open")
        return self._db

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            db = self.db
            try:
                await self._begin(db)
                yield db
            except BaseException:
                if db.in_transaction:
                    await db.rollback()
                raise
            await db.commit()

    async def _begin(self, db: aiosqlite.Connection) -> None:
        try:
            await db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            if not db.in_transaction:
                raise
            # A write cancelled while its BEGIN was queued left a transaction open: undo it and go on.
            logger.warning("rolling back a transaction left open by a cancelled write")
            await db.rollback()
            await db.execute("BEGIN IMMEDIATE")

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            yield self.db

    async def _all(self, db: aiosqlite.Connection, sql: str, params: Any = ()) -> list[aiosqlite.Row]:
        async with db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _one(self, db: aiosqlite.Connection, sql: str, params: Any = ()) -> aiosqlite.Row | None:
        async with db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    # Polls -----------------------------------------------------------------

    async def create_poll(self, *, poll: NewPoll, now: datetime) -> Poll:
        async with self._write() as db:
            cursor = await db.execute(
                "INSERT INTO polls (platform, workspace, channel, creator_id, question, preset_id, anonymous,"
                " max_choices, created_at, closes_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    poll.channel.platform,
                    poll.channel.workspace,
                    poll.channel.channel,
                    poll.creator_id,
                    poll.question,
                    poll.preset_id,
                    int(poll.anonymous),
                    poll.max_choices,
                    to_db(now),
                    to_db(poll.closes_at) if poll.closes_at else None,
                ),
            )
            poll_id = cursor.lastrowid
            assert poll_id is not None
            await db.executemany(
                "INSERT INTO poll_options (poll_id, key, position, label) VALUES (?, ?, ?, ?)",
                [(poll_id, option.key, position, option.label) for position, option in enumerate(poll.options)],
            )
        return Poll(**poll.model_dump(), id=poll_id, created_at=from_db(to_db(now)))

    async def get_poll(self, *, poll_id: int) -> Poll | None:
        async with self._read() as db:
            row = await self._one(db, "SELECT * FROM polls WHERE id = ?", (poll_id,))
            if row is None:
                return None
            options = await self._all(
                db, "SELECT key, label FROM poll_options WHERE poll_id = ? ORDER BY position", (poll_id,)
            )
        return Poll(
            id=row["id"],
            channel=ChannelRef(platform=row["platform"], workspace=row["workspace"], channel=row["channel"]),
            creator_id=row["creator_id"],
            question=row["question"],
            options=tuple(OptionRecord(key=o["key"], label=o["label"]) for o in options),
            preset_id=row["preset_id"],
            anonymous=bool(row["anonymous"]),
            max_choices=row["max_choices"],
            created_at=from_db(row["created_at"]),
            closes_at=from_db(row["closes_at"]),
            closed_at=from_db(row["closed_at"]),
            message_ref=row["message_ref"],
        )

    async def set_poll_message(self, *, poll_id: int, message_ref: str) -> None:
        async with self._write() as db:
            await db.execute("UPDATE polls SET message_ref = ? WHERE id = ?", (message_ref, poll_id))

    async def cast_vote(self, *, poll_id: int, user_id: str, option_key: str, now: datetime) -> VoteOutcome:
        params = {"poll": poll_id, "user": user_id, "option": option_key, "now": to_db(now)}
        async with self._write() as db:
            state = await self._one(
                db,
                "SELECT p.max_choices, o.key IS NOT NULL AS known_option,"
                " p.closed_at IS NULL AND (p.closes_at IS NULL OR p.closes_at > :now) AS open,"
                " (SELECT v.option_key FROM votes v WHERE v.poll_id = p.id AND v.user_id = :user AND v.slot = '')"
                " AS before FROM polls p LEFT JOIN poll_options o ON o.poll_id = p.id AND o.key = :option"
                " WHERE p.id = :poll",
                params,
            )
            if state is None:
                return VoteOutcome.UNKNOWN_POLL
            if not state["known_option"]:
                return VoteOutcome.UNKNOWN_OPTION
            if not state["open"]:
                return VoteOutcome.CLOSED
            if state["max_choices"] == 1:
                return await self._vote_single(db, params, state["before"])
            return await self._vote_multi(db, params, state["max_choices"])

    async def _vote_single(self, db: aiosqlite.Connection, params: dict[str, Any], before: str | None) -> VoteOutcome:
        cursor = await db.execute(
            "INSERT INTO votes (poll_id, user_id, slot, option_key, cast_at)"
            f" SELECT :poll, :user, '', :option, :now WHERE {_OPEN}"
            " ON CONFLICT (poll_id, user_id, slot) DO UPDATE"
            f" SET option_key = excluded.option_key, cast_at = excluded.cast_at"
            f" WHERE votes.option_key <> excluded.option_key AND {_OPEN}",
            params,
        )
        if before is None:
            return VoteOutcome.RECORDED if cursor.rowcount == 1 else VoteOutcome.CLOSED
        if before == params["option"]:
            return VoteOutcome.UNCHANGED
        return VoteOutcome.CHANGED if cursor.rowcount == 1 else VoteOutcome.CLOSED

    async def _vote_multi(self, db: aiosqlite.Connection, params: dict[str, Any], limit: int) -> VoteOutcome:
        removed = await db.execute(
            f"DELETE FROM votes WHERE poll_id = :poll AND user_id = :user AND slot = :option AND {_OPEN}", params
        )
        if removed.rowcount == 1:
            return VoteOutcome.REMOVED
        added = await db.execute(
            "INSERT INTO votes (poll_id, user_id, slot, option_key, cast_at)"
            f" SELECT :poll, :user, :option, :option, :now WHERE {_OPEN}"
            " AND (SELECT count(*) FROM votes WHERE poll_id = :poll AND user_id = :user) < :limit"
            " ON CONFLICT (poll_id, user_id, slot) DO NOTHING",
            {**params, "limit": limit},
        )
        return VoteOutcome.RECORDED if added.rowcount == 1 else VoteOutcome.LIMIT_REACHED

    async def close_poll(self, *, poll_id: int, now: datetime) -> bool:
        async with self._write() as db:
            cursor = await db.execute(
                "UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (to_db(now), poll_id)
            )
            return cursor.rowcount == 1

    async def tally(self, *, poll_id: int) -> Tally:
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT o.key, count(v.user_id) AS votes FROM poll_options o"
                " LEFT JOIN votes v ON v.poll_id = o.poll_id AND v.option_key = o.key"
                " WHERE o.poll_id = ? GROUP BY o.key ORDER BY o.position",
                (poll_id,),
            )
            voters = await self._one(db, "SELECT count(DISTINCT user_id) FROM votes WHERE poll_id = ?", (poll_id,))
        return Tally(counts={row["key"]: row["votes"] for row in rows}, voters=voters[0] if voters else 0)

    async def user_choices(self, *, poll_id: int, user_id: str) -> list[str]:
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT v.option_key FROM votes v JOIN poll_options o ON o.poll_id = v.poll_id AND o.key = v.option_key"
                " WHERE v.poll_id = ? AND v.user_id = ? ORDER BY o.position",
                (poll_id, user_id),
            )
        return [row[0] for row in rows]

    async def voters(self, *, poll_id: int) -> list[Voter]:
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT v.user_id, v.option_key FROM votes v"
                " JOIN poll_options o ON o.poll_id = v.poll_id AND o.key = v.option_key"
                " WHERE v.poll_id = ? ORDER BY v.user_id, o.position",
                (poll_id,),
            )
        return [Voter(user_id=row[0], option_key=row[1]) for row in rows]

    async def list_polls(
        self, *, channel: ChannelRef | None = None, open_at: datetime | None = None
    ) -> list[PollSummary]:
        where, params = ["1 = 1"], {}
        if channel is not None:
            where.append("p.platform = :platform AND p.workspace = :workspace AND p.channel = :channel")
            params.update(channel.model_dump())
        if open_at is not None:
            where.append("p.closed_at IS NULL AND (p.closes_at IS NULL OR p.closes_at > :now)")
            params["now"] = to_db(open_at)
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT p.*, (SELECT count(*) FROM votes v WHERE v.poll_id = p.id) AS total_votes FROM polls p"
                f" WHERE {' AND '.join(where)} ORDER BY p.id DESC",
                params,
            )
        now = open_at or datetime.now(UTC)
        return [
            PollSummary(
                id=row["id"],
                question=row["question"],
                platform=row["platform"],
                workspace=row["workspace"],
                channel=row["channel"],
                closed=row["closed_at"] is not None
                or (row["closes_at"] is not None and row["closes_at"] <= to_db(now)),
                total_votes=row["total_votes"],
                created_at=from_db(row["created_at"]),
            )
            for row in rows
        ]

    # Platform state ----------------------------------------------------------

    async def get_meta(self, *, key: str) -> str | None:
        async with self._read() as db:
            row = await self._one(db, "SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    async def set_meta(self, *, key: str, value: str) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def claim_event(self, *, platform: str, event_id: str, now: datetime) -> bool:
        async with self._write() as db:
            cursor = await db.execute(
                "INSERT INTO processed_events (platform, event_id, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (platform, event_id) DO NOTHING",
                (platform, event_id, to_db(now)),
            )
            return cursor.rowcount == 1

    async def prune_events(self, *, before: datetime) -> int:
        async with self._write() as db:
            cursor = await db.execute("DELETE FROM processed_events WHERE seen_at < ?", (to_db(before),))
            return cursor.rowcount

    # Digests ---------------------------------------------------------------

    async def subscribe_digest(
        self, *, channel: ChannelRef, local_time: str, time_zone: str, user_id: str, now: datetime
    ) -> Subscription:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO digest_subscriptions (platform, workspace, channel, local_time, time_zone, created_by,"
                " created_at) VALUES (:platform, :workspace, :channel, :time, :zone, :user, :now)"
                " ON CONFLICT (platform, workspace, channel) DO UPDATE SET local_time = excluded.local_time,"
                " time_zone = excluded.time_zone, created_by = excluded.created_by, created_at = excluded.created_at,"
                " paused_reason = NULL",
                {**channel.model_dump(), "time": local_time, "zone": time_zone, "user": user_id, "now": to_db(now)},
            )
        return Subscription(
            channel=channel,
            local_time=local_time,
            time_zone=time_zone,
            created_by=user_id,
            created_at=from_db(to_db(now)),
        )

    async def unsubscribe_digest(self, *, channel: ChannelRef) -> bool:
        async with self._write() as db:
            cursor = await db.execute(
                "DELETE FROM digest_subscriptions WHERE platform = :platform AND workspace = :workspace"
                " AND channel = :channel",
                channel.model_dump(),
            )
            return cursor.rowcount == 1

    async def get_subscription(self, *, channel: ChannelRef) -> Subscription | None:
        async with self._read() as db:
            row = await self._one(
                db,
                "SELECT * FROM digest_subscriptions WHERE platform = :platform AND workspace = :workspace"
                " AND channel = :channel",
                channel.model_dump(),
            )
        return None if row is None else _subscription(row)

    async def list_subscriptions(self) -> list[Subscription]:
        async with self._read() as db:
            rows = await self._all(db, "SELECT * FROM digest_subscriptions ORDER BY platform, workspace, channel")
        return [_subscription(row) for row in rows]

    async def pause_subscription(self, *, channel: ChannelRef, reason: str) -> None:
        async with self._write() as db:
            await db.execute(
                f"UPDATE digest_subscriptions SET paused_reason = :reason WHERE {_CHANNEL}",
                {**channel.model_dump(), "reason": reason},
            )

    async def claim_digest_run(
        self, *, channel: ChannelRef, local_date: date, now: datetime, lease: timedelta
    ) -> DigestRun | None:
        key = {**channel.model_dump(), "day": local_date.isoformat(), "now": to_db(now), "stale": to_db(now - lease)}
        async with self._write() as db:
            await db.execute(
                "INSERT INTO digest_runs (platform, workspace, channel, local_date, status, attempts, claimed_at)"
                " VALUES (:platform, :workspace, :channel, :day, 'claimed', 1, :now)"
                " ON CONFLICT (platform, workspace, channel, local_date) DO UPDATE"
                " SET attempts = attempts + 1, claimed_at = :now, retry_at = NULL"
                " WHERE status = 'claimed' AND (retry_at <= :now OR (retry_at IS NULL AND claimed_at <= :stale))",
                key,
            )
            changed = await self._one(db, "SELECT changes()")
            if not changed or not changed[0]:
                return None
            row = await self._one(db, f"SELECT * FROM digest_runs WHERE {_CHANNEL} AND local_date = :day", key)
        return None if row is None else _run(row)

    async def retry_digest_run(self, *, channel: ChannelRef, local_date: date, error: str, retry_at: datetime) -> None:
        async with self._write() as db:
            await db.execute(
                f"UPDATE digest_runs SET last_error = :error, retry_at = :retry WHERE {_CHANNEL} AND local_date = :day"
                " AND status = 'claimed'",
                {**channel.model_dump(), "day": local_date.isoformat(), "error": error[:500], "retry": to_db(retry_at)},
            )

    async def finish_digest_run(
        self,
        *,
        channel: ChannelRef,
        local_date: date,
        status: RunStatus,
        now: datetime,
        message_ref: str | None = None,
        error: str | None = None,
    ) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO digest_runs (platform, workspace, channel, local_date, status, finished_at, message_ref,"
                " last_error) VALUES (:platform, :workspace, :channel, :day, :status, :now, :ref, :error)"
                " ON CONFLICT (platform, workspace, channel, local_date) DO UPDATE SET status = excluded.status,"
                " finished_at = excluded.finished_at, message_ref = coalesce(excluded.message_ref, message_ref),"
                " last_error = coalesce(excluded.last_error, last_error), retry_at = NULL",
                {
                    **channel.model_dump(),
                    "day": local_date.isoformat(),
                    "status": status.value,
                    "now": to_db(now),
                    "ref": message_ref,
                    "error": error[:500] if error else None,
                },
            )

    async def last_digest_run(self, *, channel: ChannelRef) -> DigestRun | None:
        async with self._read() as db:
            row = await self._one(
                db, f"SELECT * FROM digest_runs WHERE {_CHANNEL} ORDER BY local_date DESC LIMIT 1", channel.model_dump()
            )
        return None if row is None else _run(row)

    async def due_polls(self, *, now: datetime) -> list[Poll]:
        async with self._read() as db:
            rows = await self._all(
                db,
                "SELECT id FROM polls WHERE closed_at IS NULL AND closes_at IS NOT NULL AND closes_at <= ?"
                " ORDER BY closes_at",
                (to_db(now),),
            )
        polls = [await self.get_poll(poll_id=row[0]) for row in rows]
        return [poll for poll in polls if poll is not None]

    async def next_poll_deadline(self) -> datetime | None:
        async with self._read() as db:
            row = await self._one(
                db, "SELECT min(closes_at) FROM polls WHERE closed_at IS NULL AND closes_at IS NOT NULL"
            )
        return from_db(row[0]) if row else None

    async def quote_of_the_day(self, *, channel: ChannelRef, local_date: date, claim_ids: Sequence[str]) -> str:
        if not claim_ids:
            raise ValueError("no claims to choose from")
        key = {**channel.model_dump(), "day": local_date.isoformat()}
        where = "platform = :platform AND workspace = :workspace AND channel = :channel"
        async with self._write() as db:
            today = await self._one(db, f"SELECT claim_id FROM digest_quotes WHERE {where} AND local_date = :day", key)
            if today is not None and today[0] in claim_ids:
                return str(today[0])
            history = await self._all(db, f"SELECT claim_id FROM digest_quotes WHERE {where} ORDER BY seq", key)
            pick = _next_quote([row[0] for row in history], claim_ids, seed="/".join(channel.model_dump().values()))
            await db.execute(
                "INSERT INTO digest_quotes (platform, workspace, channel, local_date, claim_id, seq)"
                f" VALUES (:platform, :workspace, :channel, :day, :claim,"
                f" (SELECT coalesce(max(seq), 0) + 1 FROM digest_quotes WHERE {where}))"
                " ON CONFLICT (platform, workspace, channel, local_date) DO UPDATE SET claim_id = excluded.claim_id",
                {**key, "claim": pick},
            )
            return pick


_CHANNEL = "platform = :platform AND workspace = :workspace AND channel = :channel"


def _subscription(row: aiosqlite.Row) -> Subscription:
    return Subscription(
        channel=ChannelRef(platform=row["platform"], workspace=row["workspace"], channel=row["channel"]),
        local_time=row["local_time"],
        time_zone=row["time_zone"],
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
        paused_reason=row["paused_reason"],
    )


def _run(row: aiosqlite.Row) -> DigestRun:
    return DigestRun(
        channel=ChannelRef(platform=row["platform"], workspace=row["workspace"], channel=row["channel"]),
        local_date=date.fromisoformat(row["local_date"]),
        status=RunStatus(row["status"]),
        attempts=row["attempts"],
        claimed_at=from_db(row["claimed_at"]),
        finished_at=from_db(row["finished_at"]),
        message_ref=row["message_ref"],
        last_error=row["last_error"],
        retry_at=from_db(row["retry_at"]),
    )


def _next_quote(history: Sequence[str], claim_ids: Sequence[str], *, seed: str) -> str:
    """The next claim in a channel's rotation: an unused one of the current cycle, in a per-channel order."""
    pool = set(claim_ids)
    used: set[str] = set()
    cycle = 0
    for claim_id in history:
        if claim_id in pool:
            used.add(claim_id)
            if used >= pool:
                used, cycle = set(), cycle + 1
    unused = [claim_id for claim_id in claim_ids if claim_id not in used]
    return min(unused, key=lambda c: hashlib.sha256(f"{seed}|{cycle}|{c}".encode()).hexdigest())
