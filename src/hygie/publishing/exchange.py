"""Posts in and out of Hygie: the calendar as an ICS feed, posts as CSV (export and import).

Import is all or nothing: every line is checked first and the errors are reported with their
line numbers; nothing is created unless every line is right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from hygie.channels.models import Channel
from hygie.publishing.models import Post

CSV_COLUMNS = ["id", "status", "scheduled_at", "published_at", "channels", "text"]
IMPORT_COLUMNS = {"text", "scheduled_at", "channels"}
MAX_IMPORT_ROWS = 1000
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M")


# --- ICS (RFC 5545) --------------------------------------------------------------------------


def _ics_escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _ics_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_ics(org_name: str, posts: Iterable[Post], base_url: str, domain: str) -> str:
    now = _ics_time(datetime.now(UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Hygie//Editorial calendar//FR",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_ics_escape(f'Hygie · {org_name}')}",
    ]
    for post in posts:
        when = post.published_at or post.scheduled_at
        if when is None:
            continue
        channels = ", ".join(str(t.channel) for t in post.targets.all())
        lines += [
            "BEGIN:VEVENT",
            f"UID:post-{post.pk}@{domain}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_ics_time(when)}",
            f"DTEND:{_ics_time(when + timedelta(minutes=15))}",
            f"SUMMARY:{_ics_escape(f'[{post.get_status_display()}] {post}')}",
            f"DESCRIPTION:{_ics_escape(post.text + (chr(10) * 2 + channels if channels else ''))}",
            f"URL:{base_url}/o/{post.organization.slug}/posts/{post.pk}/",
            "STATUS:" + ("CONFIRMED" if post.status in ("scheduled", "published") else "TENTATIVE"),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


# --- CSV export --------------------------------------------------------------------------------


def _safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a leading = + - @ becomes text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def posts_csv(posts: Iterable[Post], tz: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for post in posts:
        writer.writerow(
            [
                post.pk,
                post.status,
                post.scheduled_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                if post.scheduled_at
                else "",
                post.published_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                if post.published_at
                else "",
                "; ".join(f"{t.channel.network}:{t.channel.handle}" for t in post.targets.all()),
                _safe_cell(post.text),
            ]
        )
    return out.getvalue()


# --- CSV import --------------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    text: str
    scheduled_at: datetime | None
    channels: list[Channel] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[ImportRow]
    errors: list[str]


def _parse_when(raw: str, tz: ZoneInfo) -> datetime:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise ValueError(raw)


def parse_import(content: bytes, channels: list[Channel], tz: ZoneInfo) -> ImportReport:
    """Read a CSV (UTF-8, with or without BOM; comma or semicolon) into rows, or errors."""
    errors: list[str] = []
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ImportReport([], [_("The file is not UTF-8 text: save it as “CSV UTF-8”.")])
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = {h.strip().lower() for h in (reader.fieldnames or [])}
    if "text" not in header:
        return ImportReport(
            [], [_("The first line must name the columns: text, scheduled_at, channels.")]
        )
    by_key = {}
    for channel in channels:
        by_key[channel.handle.lower()] = channel
        by_key[f"{channel.network}:{channel.handle}".lower()] = channel
    rows: list[ImportRow] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            errors.append(_("More than %(n)s posts: split the file.") % {"n": MAX_IMPORT_ROWS})
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        body = row.get("text", "")
        if not body:
            errors.append(_("Line %(line)s: the text is empty.") % {"line": number})
            continue
        if body.startswith("'") and body[1:2] in ("=", "+", "-", "@"):
            body = body[1:]  # undo the export's formula guard
        when = None
        if row.get("scheduled_at"):
            try:
                when = _parse_when(row["scheduled_at"], tz)
            except ValueError:
                errors.append(
                    _("Line %(line)s: “%(value)s” is not a date like 2026-12-01 18:00.")
                    % {"line": number, "value": row["scheduled_at"]}
                )
                continue
            if when <= datetime.now(UTC):
                errors.append(
                    _("Line %(line)s: %(value)s is in the past.")
                    % {"line": number, "value": row["scheduled_at"]}
                )
                continue
        chosen = []
        for name in filter(None, (n.strip().lower() for n in row.get("channels", "").split(";"))):
            if name not in by_key:
                errors.append(
                    _("Line %(line)s: no channel “%(name)s” in this organisation.")
                    % {"line": number, "name": name}
                )
                break
            chosen.append(by_key[name])
        else:
            if when is not None and not chosen:
                errors.append(
                    _("Line %(line)s: a scheduled post needs at least one channel.")
                    % {"line": number}
                )
                continue
            rows.append(ImportRow(number, body, when, chosen))
    if not rows and not errors:
        errors.append(_("The file has no posts."))
    return ImportReport(rows, errors)
