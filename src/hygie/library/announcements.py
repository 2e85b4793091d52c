"""Ready French post texts from structured data: on-duty pharmacy (garde) and opening hours.

Pure functions, no Django import. Days and months are written out in French here (no locale
or extra dependency): « dimanche 24 novembre », « samedi 1er mars », « 9 h 30 ».
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MIDNIGHT = time(0, 0)

GARDE_FOOTER = (
    "En dehors de ces horaires, pour connaître la pharmacie de garde la plus proche, "
    "appelez le 3237 ou rendez-vous sur 3237.fr. En cas d'urgence vitale, appelez le 15 ou le 112."
)
HOURS_FOOTER_PHARMACY = (
    "En dehors de nos horaires, pour connaître la pharmacie de garde la plus proche, "
    "appelez le 3237 ou rendez-vous sur 3237.fr. En cas d'urgence vitale, appelez le 15 ou le 112."
)

Interval = tuple[time, time]


# --- French dates and times --------------------------------------------------------------------


def french_date(day: date, *, weekday: bool = True, year: bool = False) -> str:
    """« dimanche 24 novembre », « samedi 1er mars 2025 »."""
    number = "1er" if day.day == 1 else str(day.day)
    text = f"{number} {MONTHS_FR[day.month - 1]}"
    if weekday:
        text = f"{DAYS_FR[day.weekday()]} {text}"
    return f"{text} {day.year}" if year else text


def french_time(moment: time) -> str:
    """« 9 h », « 12 h 30 », « 0 h »."""
    return f"{moment.hour} h" if moment.minute == 0 else f"{moment.hour} h {moment.minute:02d}"


def french_range(start: date, end: date, *, today: date) -> str:
    """« jeudi 25 décembre », « du mercredi 24 au vendredi 26 décembre », with the year only
    when it is not the current one."""
    year = start.year != today.year or end.year != today.year
    if start == end:
        return french_date(start, year=year)
    if start.year == end.year and start.month == end.month:
        first = f"{DAYS_FR[start.weekday()]} {'1er' if start.day == 1 else start.day}"
        return f"du {first} au {french_date(end, year=year)}"
    return f"du {french_date(start, year=year)} au {french_date(end, year=year)}"


def _join(parts: Sequence[str]) -> str:
    """« a », « a et b », « a, b et c »."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


# --- On-duty pharmacy ------------------------------------------------------------------------


@dataclass(frozen=True)
class Garde:
    day: date
    start: time
    end: time
    address: str
    note: str = ""


def garde_when(garde: Garde, *, today: date) -> str:
    """When the pharmacy is on duty: an end at or before the start is the next day."""
    day, start, end = garde.day, garde.start, garde.end
    if start == end == MIDNIGHT:
        return f"{french_date(day, year=day.year != today.year)}, 24 h sur 24"
    if end == MIDNIGHT:
        return f"{french_date(day, year=day.year != today.year)} de {french_time(start)} à minuit"
    if end > start:
        year = day.year != today.year
        return f"{french_date(day, year=year)} de {french_time(start)} à {french_time(end)}"
    following = day + timedelta(days=1)
    year = day.year != today.year or following.year != today.year
    return (
        f"du {french_date(day, year=year)} à {french_time(start)} "
        f"au {french_date(following, year=year)} à {french_time(end)}"
    )


def _one_line(text: str) -> str:
    return ", ".join(part.strip(" ,") for part in text.splitlines() if part.strip(" ,"))


def garde_text(garde: Garde, *, today: date) -> str:
    """The post announcing that the pharmacy is on duty."""
    lines = [f"Notre pharmacie est de garde {garde_when(garde, today=today)}."]
    address = _one_line(garde.address)
    if address:
        lines.append(f"Adresse : {address.rstrip('.')}.")
    if garde.note.strip():
        lines.append(garde.note.strip())
    return "\n".join(lines) + "\n\n" + GARDE_FOOTER


# --- Opening hours ---------------------------------------------------------------------------

_TIME_RE = re.compile(r"^(\d{1,2})(?:\s*[h:.]\s*(\d{2})?)?$", re.IGNORECASE)
_CLOSED_WORDS = {"", "fermé", "ferme", "closed", "-", "—"}


def parse_time(text: str) -> time:
    """« 9 », « 9h », « 9 h 30 », « 09:30 », « 9.30 » → time."""
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise ValueError(text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour == 24 and minute == 0:
        return MIDNIGHT
    return time(hour, minute)  # raises ValueError when out of range


def parse_hours(text: str) -> list[Interval]:
    """« 9:00-12:30, 14h-19h30 » → [(9:00, 12:30), (14:00, 19:30)]; empty or « fermé »: []."""
    if text.strip().casefold() in _CLOSED_WORDS:
        return []
    intervals: list[Interval] = []
    for piece in re.split(r"[,;/]|\bet\b", text):
        if not piece.strip():
            continue
        bounds = re.split(r"\s*(?:-|–|—|\bà\b|\ba\b|\bto\b)\s*", piece.strip(), maxsplit=1)
        if len(bounds) != 2:
            raise ValueError(piece)
        start, end = parse_time(bounds[0]), parse_time(bounds[1])
        if end == MIDNIGHT:
            end = time(23, 59, 59)
        if end <= start:
            raise ValueError(piece)
        intervals.append((start, end))
    intervals.sort()
    for (_, previous_end), (next_start, _) in pairwise(intervals):
        if next_start < previous_end:
            raise ValueError(text)
    return intervals


_DATE_RE = r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})"
_CLOSURE_RE = re.compile(
    rf"^{_DATE_RE}(?:\s*(?:-|–|—|\bau\b|\bto\b)\s*{_DATE_RE})?\s*(?::\s*(.*))?$", re.IGNORECASE
)


def _parse_date(text: str) -> date:
    if "/" in text:
        return datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 (a calendar day)
    return date.fromisoformat(text)


@dataclass(frozen=True)
class Closure:
    start: date
    end: date
    reason: str = ""


def parse_closures(text: str) -> list[Closure]:
    """One closure per line: « 25/12/2025 », « 24/12/2025 - 26/12/2025 : inventaire »."""
    closures = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _CLOSURE_RE.match(line.strip())
        if match is None:
            raise ValueError(line)
        start = _parse_date(match.group(1))
        end = _parse_date(match.group(2)) if match.group(2) else start
        if end < start:
            raise ValueError(line)
        closures.append(Closure(start, end, (match.group(3) or "").strip()))
    return sorted(closures, key=lambda c: (c.start, c.end))


@dataclass(frozen=True)
class OpeningHours:
    """``week[0]`` is Monday's opening intervals; an empty list means closed that day."""

    week: tuple[list[Interval], ...]
    closures: list[Closure] = field(default_factory=list)


def _interval(interval: Interval) -> str:
    start, end = interval
    closing = "minuit" if end >= time(23, 59) else french_time(end)
    return f"de {french_time(start)} à {closing}"


def day_hours(intervals: list[Interval]) -> str:
    """« de 9 h à 12 h 30 et de 14 h à 19 h », or « fermé »."""
    return _join([_interval(i) for i in intervals]) if intervals else "fermé"


def _days_label(first: int, last: int) -> str:
    if first == last:
        return DAYS_FR[first].capitalize()
    if last == first + 1:
        return f"{DAYS_FR[first].capitalize()} et {DAYS_FR[last]}"
    return f"Du {DAYS_FR[first]} au {DAYS_FR[last]}"


def week_lines(week: Sequence[list[Interval]]) -> list[str]:
    """One line per run of consecutive days with the same hours: « Du lundi au vendredi : … »."""
    lines = []
    first = 0
    for index in range(1, len(week) + 1):
        if index == len(week) or week[index] != week[first]:
            lines.append(f"{_days_label(first, index - 1)} : {day_hours(week[first])}")
            first = index
    return lines


def hours_text(hours: OpeningHours, *, today: date, pharmacy: bool = True) -> str:
    """The post giving the weekly opening hours and the exceptional closures."""
    parts = ["Nos horaires d'ouverture :\n" + "\n".join(week_lines(hours.week))]
    if hours.closures:
        rows = []
        for closure in hours.closures:
            row = f"- {french_range(closure.start, closure.end, today=today)}"
            rows.append(f"{row} ({closure.reason})" if closure.reason else row)
        parts.append("Fermetures exceptionnelles :\n" + "\n".join(rows))
    if pharmacy:
        parts.append(HOURS_FOOTER_PHARMACY)
    return "\n\n".join(parts)
