"""/digest subscribe | unsubscribe | status | now."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.digest import DigestComposer
from bot.core.errors import UserError
from bot.core.models import DigestRun, RunStatus
from bot.core.registry import Argument, Command
from bot.core.render_text import reply
from bot.core.reply import Context, Reply, Text
from bot.core.request import Request
from bot.core.schedule import check_hhmm, check_time_zone, next_slot
from bot.core.services import Services


class DigestCommands:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.composer = DigestComposer(services)

    def _time_and_zone(self, request: Request) -> tuple[str, str]:
        time = request.args.get("time", self.s.digest_default_time)
        zone = request.args.get("zone", self.s.digest_default_tz)
        if "zone" not in request.args and "time" in request.args and ":" not in time and not time[:1].isdigit():
            time, zone = self.s.digest_default_time, time  # /digest subscribe Europe/Berlin
        if re.fullmatch(r"[0-9]:[0-5][0-9]", time):
            time = "0" + time  # 8:30 is 08:30
        try:
            check_hhmm(time)
        except ValueError as exc:
            raise UserError(f"Time {exc}.") from None
        try:
            check_time_zone(zone)
        except ValueError as exc:
            raise UserError(f"Time zone: {exc}.") from None
        return time, zone

    async def subscribe(self, request: Request) -> Reply:
        if not request.user.is_admin:
            raise UserError("Only an admin can set up this channel's daily digest.")
        time, zone = self._time_and_zone(request)
        now = self.s.clock.now()
        await self.s.store.subscribe_digest(
            channel=request.channel_ref, local_time=time, time_zone=zone, user_id=request.user.id, now=now
        )
        self.s.schedule_changes.notify()
        return reply(
            Text(text=f"This channel's daily digest is set for {time} ({zone})."),
            Context(text=f"Next digest: {self._next(time, zone, now)}. /digest now shows today's."),
        )

    def _next(self, local_time: str, zone: str, now: datetime) -> str:
        slot = next_slot(local_time, zone, now)
        return f"{slot.due.astimezone(ZoneInfo(zone)):%A %d %B %Y, %H:%M} {zone}"

    async def unsubscribe(self, request: Request) -> Reply:
        if not request.user.is_admin:
            raise UserError("Only an admin can stop this channel's daily digest.")
        if not await self.s.store.unsubscribe_digest(channel=request.channel_ref):
            raise UserError("This channel has no daily digest to stop.")
        self.s.schedule_changes.notify()
        return reply(Text(text="This channel's daily digest is stopped."))

    async def status(self, request: Request) -> Reply:
        subscription = await self.s.store.get_subscription(channel=request.channel_ref)
        if subscription is None:
            return reply(
                Text(
                    text="This channel has no daily digest. An admin can start one with "
                    "/digest subscribe [HH:MM] [time zone]."
                ),
                ephemeral=True,
            )
        sub = subscription
        lines = [f"Daily digest at {sub.local_time} ({sub.time_zone}), set up by {sub.created_by}."]
        if subscription.paused_reason:
            lines.append(f"Paused: {subscription.paused_reason}. Subscribe again to resume.")
        else:
            now = self.s.clock.now()
            lines.append(f"Next digest: {self._next(subscription.local_time, subscription.time_zone, now)}.")
        last = await self.s.store.last_digest_run(channel=request.channel_ref)
        if last is not None:
            lines.append(f"Last digest ({last.local_date:%d %B %Y}): {_outcome(last)}.")
        return reply(Text(text="\n".join(lines)), ephemeral=True)

    async def now(self, request: Request) -> Reply:
        subscription = await self.s.store.get_subscription(channel=request.channel_ref)
        zone = subscription.time_zone if subscription else self.s.digest_default_tz
        day = self.s.clock.now().astimezone(ZoneInfo(zone)).date()
        return reply(*await self.composer.compose(request.channel_ref, day))

    def commands(self) -> list[Command]:
        time = Argument("time", "Local time, 24-hour HH:MM (or a time zone alone)", max_length=64)
        zone = Argument("zone", "IANA time zone, e.g. Europe/Berlin", max_length=64)
        return [
            Command(
                "digest",
                "The channel's daily quote digest",
                subcommands=(
                    Command(
                        "subscribe",
                        "Post a digest here every day at a local time",
                        self.subscribe,
                        (time, zone),
                        parent="digest",
                        examples=("/digest subscribe 08:30 Europe/Berlin",),
                        admin="channels",
                    ),
                    Command(
                        "unsubscribe", "Stop this channel's digest", self.unsubscribe, parent="digest", admin="channels"
                    ),
                    Command("status", "Show this channel's digest settings", self.status, parent="digest"),
                    Command("now", "Show today's digest", self.now, parent="digest"),
                ),
            )
        ]


def _outcome(run: DigestRun) -> str:
    if run.status == RunStatus.POSTED:
        return "posted"
    if run.status == RunStatus.SKIPPED:
        return f"skipped ({run.last_error or 'missed'})"
    if run.status == RunStatus.FAILED:
        return f"failed: {run.last_error}"
    return f"retrying after: {run.last_error}" if run.last_error else "in progress"
