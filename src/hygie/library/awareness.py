"""The built-in calendar of health awareness dates and seasons, read from data/awareness.json.

Pure Python, no Django import: the data file is loaded and checked once, and dates are computed
for any year. A period is one of:

* ``day``: a fixed day (``"date": "11-14"``);
* ``month``: a whole month (``"month": 11``);
* ``range``: ``"start": "10-15"`` to ``"end": "01-31"``; an end before the start ends the next
  year, and a day past the end of a month means its last day (``"02-29"``: end of February);
* ``nth_weekday``: the nth weekday of a month (``"weekday": "thursday", "nth": 2``; ``-1`` for
  the last one), lasting ``days`` days (1 unless told).

``approximate`` says that the organiser sets the exact dates each year: the source link has them.
"""

from __future__ import annotations

import calendar as pycalendar
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "awareness.json"

PHARMACY = "pharmacy"
COMPANY = "company"
BOTH = "both"
AUDIENCES = (PHARMACY, COMPANY, BOTH)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KINDS = ("day", "month", "range", "nth_weekday")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")


def _clamped(year: int, month: int, day: int) -> date:
    """``day`` of that month, or its last day when the month is shorter (29 February)."""
    return date(year, month, min(day, pycalendar.monthrange(year, month)[1]))


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` (1–4, or -1 for the last) ``weekday`` (Monday = 0) of a month."""
    if nth == -1:
        last = date(year, month, pycalendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


@dataclass(frozen=True)
class Period:
    kind: str
    month: int
    day: int = 1
    end_month: int = 0
    end_day: int = 0
    weekday: int = 0
    nth: int = 1
    days: int = 1

    def starting_in(self, year: int) -> tuple[date, date]:
        """First and last day of the occurrence that starts in ``year``."""
        if self.kind == "day":
            day = _clamped(year, self.month, self.day)
            return day, day
        if self.kind == "month":
            return date(year, self.month, 1), _clamped(year, self.month, 31)
        if self.kind == "range":
            crosses = (self.end_month, self.end_day) < (self.month, self.day)
            end_year = year + 1 if crosses else year
            return (
                _clamped(year, self.month, self.day),
                _clamped(end_year, self.end_month, self.end_day),
            )
        start = nth_weekday(year, self.month, self.weekday, self.nth)
        return start, start + timedelta(days=self.days - 1)


@dataclass(frozen=True)
class AwarenessEntry:
    id: str
    title_fr: str
    title_en: str
    period: Period
    audience: str
    source_url: str
    templates: tuple[str, ...]
    tags: tuple[str, ...] = ()
    approximate: bool = False

    def title(self, language: str) -> str:
        return self.title_fr if language.startswith("fr") else self.title_en

    def template_ref(self, number: int) -> str:
        """The reference of one of its templates (numbered from 1), as the composer reads it."""
        return f"builtin:{self.id}:{number}"

    def numbered_templates(self) -> list[tuple[str, str]]:
        return [(self.template_ref(n), text) for n, text in enumerate(self.templates, start=1)]


@dataclass(frozen=True)
class Occurrence:
    entry: AwarenessEntry
    start: date
    end: date

    def state(self, today: date) -> str:
        """``now``, ``upcoming`` or ``past`` with respect to ``today``."""
        if self.start <= today <= self.end:
            return "now"
        return "upcoming" if self.start > today else "past"

    @property
    def single_day(self) -> bool:
        return self.start == self.end


# --- Loading ---------------------------------------------------------------------------------


def _month_day(value: Any, where: str) -> tuple[int, int]:
    match = MONTH_DAY_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{where}: expected MM-DD, got {value!r}")
    month, day = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1 <= day <= pycalendar.monthrange(2024, month)[1]):
        raise ValueError(f"{where}: no such day {value!r}")
    return month, day


def _month(value: Any, where: str) -> int:
    if not isinstance(value, int) or not 1 <= value <= 12:
        raise ValueError(f"{where}: month must be 1 to 12, got {value!r}")
    return value


def parse_period(raw: dict[str, Any], where: str) -> Period:
    kind = raw.get("kind")
    if kind == "day":
        month, day = _month_day(raw.get("date"), where)
        return Period("day", month, day)
    if kind == "month":
        return Period("month", _month(raw.get("month"), where))
    if kind == "range":
        month, day = _month_day(raw.get("start"), where)
        end_month, end_day = _month_day(raw.get("end"), where)
        return Period("range", month, day, end_month=end_month, end_day=end_day)
    if kind == "nth_weekday":
        weekday, nth, days = raw.get("weekday"), raw.get("nth"), raw.get("days", 1)
        if weekday not in WEEKDAYS:
            raise ValueError(f"{where}: weekday must be one of {', '.join(WEEKDAYS)}")
        if nth not in (1, 2, 3, 4, -1):
            raise ValueError(f"{where}: nth must be 1, 2, 3, 4 or -1, got {nth!r}")
        if not isinstance(days, int) or not 1 <= days <= 31:
            raise ValueError(f"{where}: days must be 1 to 31, got {days!r}")
        return Period(
            "nth_weekday",
            _month(raw.get("month"), where),
            weekday=WEEKDAYS.index(weekday),
            nth=nth,
            days=days,
        )
    raise ValueError(f"{where}: period kind must be one of {', '.join(KINDS)}, got {kind!r}")


def parse_entry(raw: dict[str, Any]) -> AwarenessEntry:
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not ID_RE.match(entry_id):
        raise ValueError(f"entry id must be lowercase words joined by '-', got {entry_id!r}")
    where = f"awareness entry {entry_id!r}"
    for key in ("title_fr", "title_en", "source_url"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ValueError(f"{where}: {key} is required")
    if not raw["source_url"].startswith("https://"):
        raise ValueError(f"{where}: source_url must be an https:// address")
    if raw.get("audience") not in AUDIENCES:
        raise ValueError(f"{where}: audience must be one of {', '.join(AUDIENCES)}")
    templates = raw.get("templates")
    if (
        not isinstance(templates, list)
        or len(templates) < 2
        or not all(isinstance(t, str) and t.strip() for t in templates)
    ):
        raise ValueError(f"{where}: at least two non-empty templates are required")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError(f"{where}: tags must be a list of strings")
    return AwarenessEntry(
        id=entry_id,
        title_fr=raw["title_fr"].strip(),
        title_en=raw["title_en"].strip(),
        period=parse_period(raw.get("period") or {}, where),
        audience=raw["audience"],
        source_url=raw["source_url"],
        templates=tuple(t.strip() for t in templates),
        tags=tuple(tags),
        approximate=bool(raw.get("approximate", False)),
    )


def load_calendar(path: Path = DATA_FILE) -> tuple[AwarenessEntry, ...]:
    """Read and check the data file; a mistake in it raises ValueError naming the entry."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    entries = tuple(parse_entry(item) for item in raw["entries"])
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ValueError(f"awareness entry {entry.id!r} appears twice")
        seen.add(entry.id)
    return entries


@cache
def builtin_calendar() -> tuple[AwarenessEntry, ...]:
    return load_calendar()


def entry_by_id(entry_id: str) -> AwarenessEntry | None:
    return next((e for e in builtin_calendar() if e.id == entry_id), None)


# --- Dates -----------------------------------------------------------------------------------


def occurrences(entry: AwarenessEntry, first: date, last: date) -> list[Occurrence]:
    """The occurrences of ``entry`` that overlap the days ``first`` to ``last``."""
    found = []
    for year in range(first.year - 1, last.year + 1):
        start, end = entry.period.starting_in(year)
        if start <= last and end >= first:
            found.append(Occurrence(entry, start, end))
    return found


def _sorted(found: Iterable[Occurrence]) -> list[Occurrence]:
    return sorted(found, key=lambda o: (o.start, o.end, o.entry.id))


def upcoming(entries: Iterable[AwarenessEntry], today: date, days: int = 90) -> list[Occurrence]:
    """What overlaps this month (from its first day) or the next ``days`` days."""
    first, last = today.replace(day=1), today + timedelta(days=days)
    return _sorted(o for entry in entries for o in occurrences(entry, first, last))


def next_occurrences(entries: Iterable[AwarenessEntry], today: date) -> list[Occurrence]:
    """For each entry, the occurrence under way today or else the next one: a year ahead."""
    found = []
    for entry in entries:
        candidates = occurrences(entry, today, today + timedelta(days=366))
        if candidates:
            found.append(candidates[0])
    return _sorted(found)
