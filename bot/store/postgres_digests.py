"""Digest subscriptions, runs and the quote rotation in the PostgreSQL store.

Every process may run the scheduler: :meth:`DigestQueries.claim_digest_run` is one upsert whose
``ON CONFLICT … DO UPDATE … WHERE`` judges the existing run as it is now (a concurrent claimant waits for
the row, then sees the claim it wrote), so exactly one caller gets each claim, retry and take-over.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.core.models import ChannelRef, DigestRun, RunStatus, Subscription
from bot.store.postgres_base import PostgresBase, Record, aware, rows_changed
from bot.store.sqlite_digests import _next_quote

ERROR_LENGTH = 500
_CHANNEL = "platform = $1 AND workspace = $2 AND channel = $3"
_LOCK_CHANNEL = "SELECT pg_advisory_xact_lock(hashtextextended('quote/' || $1 || '/' || $2 || '/' || $3, 0))"


def _key(channel: ChannelRef) -> tuple[str, str, str]:
    return channel.platform, channel.workspace, channel.channel


class DigestQueries(PostgresBase):
    async def subscribe_digest(
        self, *, channel: ChannelRef, local_time: str, time_zone: str, user_id: str, now: datetime
    ) -> Subscription:
        row = await self._fetchrow(
            "INSERT INTO digest_subscriptions (platform, workspace, channel, local_time, time_zone, created_by,"
            " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (platform, workspace, channel) DO UPDATE SET local_time = EXCLUDED.local_time,"
            " time_zone = EXCLUDED.time_zone, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at,"
            " paused_reason = NULL RETURNING *",
            *_key(channel),
            local_time,
            time_zone,
            user_id,
            aware(now),
        )
        assert row is not None
        return _subscription(row)

    async def unsubscribe_digest(self, *, channel: ChannelRef) -> bool:
        return await self._execute(f"DELETE FROM digest_subscriptions WHERE {_CHANNEL}", *_key(channel)) == 1

    async def get_subscription(self, *, channel: ChannelRef) -> Subscription | None:
        row = await self._fetchrow(f"SELECT * FROM digest_subscriptions WHERE {_CHANNEL}", *_key(channel))
        return None if row is None else _subscription(row)

    async def list_subscriptions(self) -> list[Subscription]:
        rows = await self._fetch(
            'SELECT * FROM digest_subscriptions ORDER BY platform COLLATE "C", workspace COLLATE "C",'
            ' channel COLLATE "C"'
        )
        return [_subscription(row) for row in rows]

    async def pause_subscription(self, *, channel: ChannelRef, reason: str) -> None:
        await self._execute(
            f"UPDATE digest_subscriptions SET paused_reason = $4 WHERE {_CHANNEL}", *_key(channel), reason
        )

    async def claim_digest_run(
        self, *, channel: ChannelRef, local_date: date, now: datetime, lease: timedelta
    ) -> DigestRun | None:
        now = aware(now)
        row = await self._fetchrow(
            "INSERT INTO digest_runs AS r (platform, workspace, channel, local_date, status, attempts, claimed_at)"
            " VALUES ($1, $2, $3, $4, 'claimed', 1, $5)"
            " ON CONFLICT (platform, workspace, channel, local_date) DO UPDATE"
            " SET attempts = r.attempts + 1, claimed_at = EXCLUDED.claimed_at, retry_at = NULL"
            " WHERE r.status = 'claimed' AND (r.retry_at <= $5 OR (r.retry_at IS NULL AND r.claimed_at <= $6))"
            " RETURNING r.*",
            *_key(channel),
            local_date,
            now,
            now - lease,
        )
        return None if row is None else _run(row)

    async def retry_digest_run(self, *, channel: ChannelRef, local_date: date, error: str, retry_at: datetime) -> None:
        await self._execute(
            f"UPDATE digest_runs SET last_error = $5, retry_at = $6 WHERE {_CHANNEL} AND local_date = $4"
            " AND status = 'claimed'",
            *_key(channel),
            local_date,
            error[:ERROR_LENGTH],
            aware(retry_at),
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
        await self._execute(
            "INSERT INTO digest_runs AS r (platform, workspace, channel, local_date, status, finished_at, message_ref,"
            " last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (platform, workspace, channel, local_date) DO UPDATE SET status = EXCLUDED.status,"
            " finished_at = EXCLUDED.finished_at, message_ref = coalesce(EXCLUDED.message_ref, r.message_ref),"
            " last_error = coalesce(EXCLUDED.last_error, r.last_error), retry_at = NULL",
            *_key(channel),
            local_date,
            status.value,
            aware(now),
            message_ref,
            error[:ERROR_LENGTH] if error else None,
        )

    async def last_digest_run(self, *, channel: ChannelRef) -> DigestRun | None:
        row = await self._fetchrow(
            f"SELECT * FROM digest_runs WHERE {_CHANNEL} ORDER BY local_date DESC LIMIT 1", *_key(channel)
        )
        return None if row is None else _run(row)

    async def quote_of_the_day(self, *, channel: ChannelRef, local_date: date, claim_ids: Sequence[str]) -> str:
        """Chosen in one transaction under an advisory lock per channel, so that two processes asking for the
        same day at once agree (the second waits, then finds the first one's choice)."""
        if not claim_ids:
            raise ValueError("no claims to choose from")
        key = _key(channel)
        async with self._connection() as conn, conn.transaction():
            await conn.execute(_LOCK_CHANNEL, *key)
            today = await conn.fetchval(
                f"SELECT claim_id FROM digest_quotes WHERE {_CHANNEL} AND local_date = $4", *key, local_date
            )
            if today is not None and today in claim_ids:
                return str(today)
            history = await conn.fetch(f"SELECT claim_id FROM digest_quotes WHERE {_CHANNEL} ORDER BY seq", *key)
            pick = _next_quote([row[0] for row in history], claim_ids, seed="/".join(key))
            status = await conn.execute(
                "INSERT INTO digest_quotes (platform, workspace, channel, local_date, claim_id, seq)"
                f" SELECT $1, $2, $3, $4::date, $5::text, coalesce(max(seq), 0) + 1 FROM digest_quotes WHERE {_CHANNEL}"
                " ON CONFLICT (platform, workspace, channel, local_date) DO UPDATE SET claim_id = EXCLUDED.claim_id",
                *key,
                local_date,
                pick,
            )
            assert rows_changed(status) == 1
            return pick


def _subscription(row: Record) -> Subscription:
    return Subscription(
        channel=ChannelRef(platform=row["platform"], workspace=row["workspace"], channel=row["channel"]),
        local_time=row["local_time"],
        time_zone=row["time_zone"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        paused_reason=row["paused_reason"],
    )


def _run(row: Record) -> DigestRun:
    return DigestRun(
        channel=ChannelRef(platform=row["platform"], workspace=row["workspace"], channel=row["channel"]),
        local_date=row["local_date"],
        status=RunStatus(row["status"]),
        attempts=row["attempts"],
        claimed_at=row["claimed_at"],
        finished_at=row["finished_at"],
        message_ref=row["message_ref"],
        last_error=row["last_error"],
        retry_at=row["retry_at"],
    )
