"""When a daily digest is due: from the local date and time in an IANA zone, never "last run + 24 h".

Policy for daylight-saving changes:
- a local time that does not exist that day (spring forward) runs at the first valid
  instant after it, which is the moment the clocks jump;
- a local time that happens twice (fall back) runs at its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def check_time_zone(name: str) -> str:
    """Return ``name`` if it is a known IANA time zone, else raise ``ValueError``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from exc
    return name


def check_hhmm(value: str) -> str:
    """Return ``value`` if it is a 24-hour ``HH:MM`` time, else raise ``ValueError``."""
    if not _HHMM.match(value):
        raise ValueError(f"{value!r} is not a time in 24-hour HH:MM form, such as 08:30")
    return value


@dataclass(frozen=True, order=True)
class Slot:
    """One daily run: the instant it is due (UTC) and the local date it belongs to."""

    due: datetime
    local_date: date


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def instant_for(local_date: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``at`` on ``local_date`` in ``zone``, under the policy above."""
    wall = datetime.combine(local_date, at)
    first = wall.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return first.astimezone(UTC)  # exists; fold=0 is the first occurrence when it happens twice
    # In a gap: fold=1 reads the wall time with the offset after the jump, landing before the gap;
    # step forward to the first instant whose local wall time is not earlier than the one asked for.
    probe = wall.replace(tzinfo=zone, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    while probe.astimezone(zone).replace(tzinfo=None) < wall:
        probe += timedelta(minutes=1)
    return probe


def slot_on(local_date: date, at: str, zone: str) -> Slot:
    return Slot(instant_for(local_date, parse_hhmm(at), ZoneInfo(zone)), local_date)


def next_slot(at: str, zone: str, after: datetime) -> Slot:
    """The first slot strictly after ``after``."""
    local_today = after.astimezone(ZoneInfo(zone)).date()
    for offset in range(-1, 3):
        slot = slot_on(local_today + timedelta(days=offset), at, zone)
        if slot.due > after:
            return slot
    raise AssertionError("unreachable: a slot exists within two days")


def latest_slot(at: str, zone: str, now: datetime) -> Slot:
    """The most recent slot at or before ``now``."""
    local_today = now.astimezone(ZoneInfo(zone)).date()
    for offset in range(1, -3, -1):
        slot = slot_on(local_today + timedelta(days=offset), at, zone)
        if slot.due <= now:
            return slot
    raise AssertionError("unreachable: a slot exists within two days")
