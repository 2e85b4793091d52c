"""Service levels of the inbox: business hours and due times. Pure Python, no Django models.

The first response is due within N *business* hours (the organisation's opening hours, Monday
to Friday, Saturday when it opens then, never on a French public holiday); the resolution within
M *calendar* hours. Due times are computed once, when the clock starts, with the settings in
force then: changing the settings later does not move the deadlines already promised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hygie.lib.business_days import french_holidays

# Ten years of closed days is the most a search for the next opening may skip (a safety net).
_MAX_DAYS = 3660


@dataclass(frozen=True)
class Policy:
    """What an organisation promises, in its own time zone."""

    first_response_hours: int = 4
    resolution_hours: int = 48
    opens_at: time = time(9, 0)
    closes_at: time = time(19, 0)
    open_saturday: bool = False
    timezone: str = "Europe/Paris"


def is_open_day(day: date, *, open_saturday: bool) -> bool:
    if day in french_holidays(day.year):
        return False
    return day.weekday() < 5 or (open_saturday and day.weekday() == 5)


def add_business_hours(start: datetime, hours: float, policy: Policy) -> datetime:
    """The instant ``hours`` of opening time after ``start`` (UTC).

    Work starts at the next opening when ``start`` falls outside opening hours. Windows are
    built on the local wall clock and measured in real time, so a daylight-saving change
    shortens or lengthens that day's window as it does for the people at the counter.
    """
    if policy.closes_at <= policy.opens_at:
        raise ValueError("closes_at must be after opens_at")
    zone = ZoneInfo(policy.timezone)
    remaining = timedelta(hours=hours)
    start = start.astimezone(UTC)
    day = start.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        if is_open_day(day, open_saturday=policy.open_saturday):
            window_start = datetime.combine(day, policy.opens_at, tzinfo=zone).astimezone(UTC)
            window_end = datetime.combine(day, policy.closes_at, tzinfo=zone).astimezone(UTC)
            begin = max(window_start, start)
            if begin < window_end or (remaining == timedelta(0) and begin <= window_end):
                available = window_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("no opening day found")  # pragma: no cover  (every week has one)


def first_response_due(first_inbound_at: datetime, policy: Policy) -> datetime:
    return add_business_hours(first_inbound_at, policy.first_response_hours, policy)


def resolution_due(clock_start: datetime, policy: Policy) -> datetime:
    return clock_start.astimezone(UTC) + timedelta(hours=policy.resolution_hours)


def breached(due: datetime | None, stopped_at: datetime | None, now: datetime) -> bool:
    """Late when the clock stopped after the due time, or is still running past it."""
    if due is None:
        return False
    return (stopped_at or now) > due
