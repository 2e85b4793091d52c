"""``hygie triage``: JSON Lines in, one JSON line out per input, same order (pure Python).

Input, one object per line::

    {"id": "42", "text": "…", "lang": "fr" | "en" (optional, detected when absent),
     "channel": "facebook_comment" (optional)}

Output::

    {"id": "42", "lang": "fr", "products": ["Doliprane"],
     "adverse_event": {"flag": true, "score": 0.93}, "special_situations": ["pregnancy"],
     "quality_complaint": false, "abusive": {"flag": false, "score": 0.02},
     "medical_question": false, "spam": false, "sentiment": "negative",
     "minimum_criteria": {"reporter": true, "patient": true, "product": true, "event": true},
     "model_version": "2026.11-…"}

``--details`` adds ``abuse_kinds`` and ``evidence`` (the words behind each finding, with their
offsets). ``--ae-threshold`` / ``--abuse-threshold`` override the shipped thresholds (recall on
adverse events first: lower the threshold to miss fewer). A line that is not a JSON object, or
whose fields are wrong, gets ``{"id": … (when readable), "line": N, "error": "…"}`` and the run
goes on. Blank lines are skipped. Exit status 0 when every line was read, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import IO, Any

from hygie.nlp.pipeline import Triager

MAX_TEXT = 100_000


def triage_line(
    triager: Triager, raw: str, number: int, *, details: bool = False
) -> tuple[dict[str, Any], bool]:
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as error:
        return {"line": number, "error": f"not JSON: {error.msg} (column {error.colno})"}, False
    if not isinstance(item, dict):
        return {"line": number, "error": "expected a JSON object"}, False
    head: dict[str, Any] = {"id": item["id"]} if "id" in item else {}
    text = item.get("text")
    if not isinstance(text, str):
        return {**head, "line": number, "error": "field 'text' is required (a string)"}, False
    if len(text) > MAX_TEXT:
        return {
            **head,
            "line": number,
            "error": f"field 'text' is longer than {MAX_TEXT} characters",
        }, False
    lang = item.get("lang")
    if lang is not None and lang not in ("fr", "en"):
        return {
            **head,
            "line": number,
            "error": f"field 'lang' must be fr or en, not {lang!r}",
        }, False
    channel = item.get("channel")
    if channel is not None and not isinstance(channel, str):
        return {**head, "line": number, "error": "field 'channel' must be a string"}, False
    result = triager.triage(text, lang=lang, channel=channel)
    return {**head, **result.to_json(details=details)}, True


def run(lines: Iterable[str], out: IO[str], triager: Triager, *, details: bool = False) -> int:
    status = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        output, ok = triage_line(triager, raw, number, details=details)
        status = status if ok else 1
        out.write(json.dumps(output, ensure_ascii=False) + "\n")
    out.flush()
    return status


def _probability(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError("a threshold is between 0 and 1")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="hygie triage",
        description="Read inbound messages for adverse events, abuse, questions and sentiment: "
        "JSON Lines on standard input, one JSON line per input on standard output.",
    )
    parser.add_argument("--details", action="store_true", help="add the supporting words")
    parser.add_argument("--ae-threshold", type=_probability, help="adverse-event threshold")
    parser.add_argument("--abuse-threshold", type=_probability, help="abuse threshold")
    ns = parser.parse_args(argv)
    triager = Triager(ae_threshold=ns.ae_threshold, abuse_threshold=ns.abuse_threshold)
    stdin = sys.stdin
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(encoding="utf-8", errors="replace")
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    return run(stdin, sys.stdout, triager, details=ns.details)
