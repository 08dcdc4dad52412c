"""Digest subscriptions, runs and the quote rotation in the SQLite store."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.core.models import ChannelRef, DigestRun, RunStatus, Subscription
from bot.store.sqlite_base import _CHANNEL, Db, SQLiteBase, every, from_db, one, to_db


class DigestQueries(SQLiteBase):
    async def subscribe_digest(
        self, *, channel: ChannelRef, local_time: str, time_zone: str, user_id: str, now: datetime
    ) -> Subscription:
        await self._write(
            lambda db: db.execute(
                "INSERT INTO digest_subscriptions (platform, workspace, channel, local_time, time_zone, created_by,"
                " created_at) VALUES (:platform, :workspace, :channel, :time, :zone, :user, :now)"
                " ON CONFLICT (platform, workspace, channel) DO UPDATE SET local_time = excluded.local_time,"
                " time_zone = excluded.time_zone, created_by = excluded.created_by, created_at = excluded.created_at,"
                " paused_reason = NULL",
                {**channel.model_dump(), "time": local_time, "zone": time_zone, "user": user_id, "now": to_db(now)},
            )
        )
        return Subscription(
            channel=channel,
            local_time=local_time,
            time_zone=time_zone,
            created_by=user_id,
            created_at=from_db(to_db(now)),
        )

    async def unsubscribe_digest(self, *, channel: ChannelRef) -> bool:
        cursor = await self._write(
            lambda db: db.execute(f"DELETE FROM digest_subscriptions WHERE {_CHANNEL}", channel.model_dump())
        )
        return cursor.rowcount == 1

    async def get_subscription(self, *, channel: ChannelRef) -> Subscription | None:
        row = await self._read(
            lambda db: one(db, f"SELECT * FROM digest_subscriptions WHERE {_CHANNEL}", channel.model_dump())
        )
        return None if row is None else _subscription(row)

    async def list_subscriptions(self) -> list[Subscription]:
        rows = await self._read(
            lambda db: every(db, "SELECT * FROM digest_subscriptions ORDER BY platform, workspace, channel")
        )
        return [_subscription(row) for row in rows]

    async def pause_subscription(self, *, channel: ChannelRef, reason: str) -> None:
        await self._write(
            lambda db: db.execute(
                f"UPDATE digest_subscriptions SET paused_reason = :reason WHERE {_CHANNEL}",
                {**channel.model_dump(), "reason": reason},
            )
        )

    async def claim_digest_run(
        self, *, channel: ChannelRef, local_date: date, now: datetime, lease: timedelta
    ) -> DigestRun | None:
        key = {**channel.model_dump(), "day": local_date.isoformat(), "now": to_db(now), "stale": to_db(now - lease)}

        def claim(db: Db) -> sqlite3.Row | None:
            cursor = db.execute(
                "INSERT INTO digest_runs (platform, workspace, channel, local_date, status, attempts, claimed_at)"
                " VALUES (:platform, :workspace, :channel, :day, 'claimed', 1, :now)"
                " ON CONFLICT (platform, workspace, channel, local_date) DO UPDATE"
                " SET attempts = attempts + 1, claimed_at = :now, retry_at = NULL"
                " WHERE status = 'claimed' AND (retry_at <= :now OR (retry_at IS NULL AND claimed_at <= :stale))",
                key,
            )
            if cursor.rowcount != 1:
                return None
            return one(db, f"SELECT * FROM digest_runs WHERE {_CHANNEL} AND local_date = :day", key)

        row = await self._write(claim)
        return None if row is None else _run(row)

    async def retry_digest_run(self, *, channel: ChannelRef, local_date: date, error: str, retry_at: datetime) -> None:
        await self._write(
            lambda db: db.execute(
                f"UPDATE digest_runs SET last_error = :error, retry_at = :retry WHERE {_CHANNEL} AND local_date = :day"
                " AND status = 'claimed'",
                {**channel.model_dump(), "day": local_date.isoformat(), "error": error[:500], "retry": to_db(retry_at)},
            )
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
        await self._write(
            lambda db: db.execute(
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
        )

    async def last_digest_run(self, *, channel: ChannelRef) -> DigestRun | None:
        row = await self._read(
            lambda db: one(
                db, f"SELECT * FROM digest_runs WHERE {_CHANNEL} ORDER BY local_date DESC LIMIT 1", channel.model_dump()
            )
        )
        return None if row is None else _run(row)

    async def quote_of_the_day(self, *, channel: ChannelRef, local_date: date, claim_ids: Sequence[str]) -> str:
        if not claim_ids:
            raise ValueError("no claims to choose from")
        key = {**channel.model_dump(), "day": local_date.isoformat()}

        def choose(db: Db) -> str:
            today = one(db, f"SELECT claim_id FROM digest_quotes WHERE {_CHANNEL} AND local_date = :day", key)
            if today is not None and today[0] in claim_ids:
                return str(today[0])
            history = every(db, f"SELECT claim_id FROM digest_quotes WHERE {_CHANNEL} ORDER BY seq", key)
            pick = _next_quote([row[0] for row in history], claim_ids, seed="/".join(channel.model_dump().values()))
            db.execute(
                "INSERT INTO digest_quotes (platform, workspace, channel, local_date, claim_id, seq)"
                " VALUES (:platform, :workspace, :channel, :day, :claim,"
                f" (SELECT coalesce(max(seq), 0) + 1 FROM digest_quotes WHERE {_CHANNEL}))"
                " ON CONFLICT (platform, workspace, channel, local_date) DO UPDATE SET claim_id = excluded.claim_id",
                {**key, "claim": pick},
            )
            return pick

        return await self._write(choose)


def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(
        channel=ChannelRef(platform=row["platform"], workspace=row["workspace"], channel=row["channel"]),
        local_time=row["local_time"],
        time_zone=row["time_zone"],
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
        paused_reason=row["paused_reason"],
    )


def _run(row: sqlite3.Row) -> DigestRun:
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
