"""The forwarding clock of a case: its deadline, and how it reads on the page. Pure.

The deadline is day zero plus N French business days at the same time of day, counted in the
organisation's time zone (a message received on Friday at 18:30 in Paris is due on Monday at
18:30). A message that arrives on a weekend or a public holiday gets N whole business days:
it is due at the end of the Nth business day (Saturday → Monday 23:59:59).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from hygie.lib.business_days import add_business_days, is_business_day


def due_at(day_zero: datetime, business_days: int, tz_name: str) -> datetime:
    local = day_zero.astimezone(zoneinfo.ZoneInfo(tz_name))
    if not is_business_day(local.date()):
        local = local.replace(hour=23, minute=59, second=59, microsecond=0)
    return add_business_days(local, business_days)


def escalates_at(due: datetime, hours_before: int) -> datetime:
    return due - timedelta(hours=hours_before)


def delay_text(seconds: float) -> str:
    """A short delay: "45 min", "5 h", "2 d 3 h"."""
    minutes = max(int(abs(seconds) // 60), 1)
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if hours < 10 and minutes:
            return _("%(hours)d h %(minutes)02d") % {"hours": hours, "minutes": minutes}
        return _("%(hours)d h") % {"hours": hours}
    days, hours = divmod(hours, 24)
    if hours:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    return _("%(days)d d") % {"days": days}


@dataclass(frozen=True)
class Clock:
    """``state``: running ``ok`` / ``soon`` / ``overdue``, or stopped ``on_time`` / ``late``."""

    state: str
    text: str
    seconds: float

    @property
    def badge(self) -> str:
        """The badge colour class of the stylesheet."""
        return {
            "ok": "sev-ok",
            "soon": "sev-needs_approval",
            "overdue": "sev-block",
            "on_time": "sev-ok",
            "late": "sev-warn",
        }[self.state]

    @property
    def running(self) -> bool:
        return self.state in ("ok", "soon", "overdue")


def clock(
    due: datetime, *, now: datetime, stopped_at: datetime | None, warn_hours: int, verb: str = ""
) -> Clock:
    """The clock of a deadline ``due``; ``stopped_at`` when the case was forwarded or closed."""
    if stopped_at is not None:
        late = (stopped_at - due).total_seconds()
        done = verb or _("handled")
        if late > 0:
            return Clock(
                "late",
                _("%(done)s %(delay)s late") % {"done": done, "delay": delay_text(late)},
                -late,
            )
        return Clock("on_time", _("%(done)s on time") % {"done": done}, -late)
    left = (due - now).total_seconds()
    if left < 0:
        return Clock("overdue", _("overdue by %(delay)s") % {"delay": delay_text(left)}, left)
    state = "soon" if left <= warn_hours * 3600 else "ok"
    return Clock(state, _("due in %(delay)s") % {"delay": delay_text(left)}, left)
