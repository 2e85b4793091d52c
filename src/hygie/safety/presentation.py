"""How a case reads on its page: the source text with the supporting words marked. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Segment:
    text: str
    key: str = ""  # the criterion (or special situation) the words support; "" for plain text
    label: str = ""


def spans_in(text: str, spans: Iterable[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """Where each supporting span is in ``text``: its offsets when they still point at its
    words, else the first place the words occur, else nowhere."""
    found = []
    for span in spans:
        words = str(span.get("text", ""))
        start, end = span.get("start"), span.get("end")
        if not words:
            continue
        if isinstance(start, int) and isinstance(end, int) and text[start:end] == words:
            found.append((start, end))
            continue
        at = text.casefold().find(words.casefold())
        if at >= 0:
            found.append((at, at + len(words)))
    return found


def highlight(
    text: str, spans_by_key: Mapping[str, Iterable[Mapping[str, Any]]], labels: Mapping[str, str]
) -> list[Segment]:
    """``text`` cut into plain and marked segments; where marks overlap, the first wins."""
    marks: list[tuple[int, int, str]] = []
    for key, spans in spans_by_key.items():
        marks += [(start, end, key) for start, end in spans_in(text, spans)]
    marks.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    segments: list[Segment] = []
    position = 0
    for start, end, key in marks:
        if start < position:
            continue
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], key, labels.get(key, key)))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments
