"""Business hours: a weekly schedule in the contact center's time zone, and holidays.

    timezone: Europe/Berlin
    open: {mon-fri: "09:00-17:00", sat: ["10:00-12:00", "13:00-15:00"]}
    holidays: ["2026-12-25"]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    #: Weekday (0 = Monday) → open windows as (start, end) minutes after midnight.
    windows: Mapping[int, tuple[tuple[int, int], ...]]
    holidays: frozenset[date]


def parse_schedule(props: Mapping) -> Schedule:
    """Read a schedule; ``ValueError`` says what is wrong with it."""
    try:
        name = str(props.get("timezone", ""))
        if "/" not in name and name != "UTC":  # "localtime" and the like depend on the machine
            raise ValueError(name)
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone_name = props.get("timezone")
        raise ValueError(f"'timezone' must be an IANA time zone such as Europe/Berlin, not {zone_name!r}") from None
    opening = props.get("open")
    if not isinstance(opening, Mapping) or not opening:
        raise ValueError("'open' must map days (mon, mon-fri) to hours ('09:00-17:00')")
    windows: dict[int, list[tuple[int, int]]] = {}
    for days, hours in opening.items():
        for day in _days(str(days)):
            windows.setdefault(day, []).extend(_windows(hours))
    holidays = frozenset(_date(value) for value in props.get("holidays") or [])
    return Schedule(zone, {day: tuple(sorted(spans)) for day, spans in windows.items()}, holidays)


def is_open(schedule: Schedule, moment: datetime) -> bool:
    """Whether ``moment`` (aware, any zone) falls in an open window on a working day."""
    local = moment.astimezone(schedule.zone)
    if local.date() in schedule.holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in schedule.windows.get(local.weekday(), ()))


def now_utc() -> datetime:
    return datetime.now(UTC)


def _days(spec: str) -> list[int]:
    first, _, last = spec.lower().partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ValueError(f"day '{spec}' is not one of {', '.join(DAYS)} or a range like mon-fri")
    start, end = DAYS.index(first), DAYS.index(last or first)
    if end < start:
        raise ValueError(f"day range '{spec}' runs backwards")
    return list(range(start, end + 1))


def _windows(hours: object) -> list[tuple[int, int]]:
    spans = hours if isinstance(hours, list) else [hours]
    out = []
    for span in spans:
        match = _WINDOW.match(str(span))
        if not match:
            raise ValueError(f"hours '{span}' must look like '09:00-17:00'")
        h1, m1, h2, m2 = map(int, match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or h1 > 23 or end > 24 * 60 or end <= start:
            raise ValueError(f"hours '{span}' are not a window within one day")
        out.append((start, end))
    return out


def _date(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"holiday '{value}' must be a date like 2026-12-25, not a moment")
    if isinstance(value, date):  # YAML reads 2026-12-25 as a date already
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"holiday '{value}' must be a date like 2026-12-25") from None
