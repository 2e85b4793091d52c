"""``hygie check``: JSON Lines in, one JSON line out per input, same order (pure Python).

Input, one object per line::

    {"id": "42", "text": "…", "lang": "fr" | "en" (optional, guessed when absent),
     "audience": "pharmacy" | "company", "kind": "post" | "reply" | "review_reply",
     "network": "x" (optional), "parent": "the comment replied to" (optional),
     "target_country": "FR" or ["FR", "BE"] (optional)}

Output::

    {"id": "42", "lang": "fr", "max_severity": "block" | "needs_approval" | "warn" | "ok",
     "findings": [{"rule": "FR-MED-01", "severity": "block", "start": 0, "end": 9,
                   "message": "…", "suggestion": "…",
                   "source": ["Code de la santé publique, L.5122-6"]}]}

A line that is not a JSON object, or whose fields are wrong, gets
``{"id": … (when readable), "line": N, "error": "…"}`` and the run goes on. Blank lines are
skipped. The exit status is 0 when every line was checked, 1 when a line had an error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import IO, Any

from hygie.compliance.checker import CheckContext, Checker, ProductInfo
from hygie.compliance.rules.catalog import AUDIENCES, KINDS, PRODUCT_CATEGORIES

#: Characters per network, for the fit of mandatory mentions (the providers' limits).
NETWORK_LIMITS = {
    "bluesky": 300,
    "x": 280,
    "mastodon": 500,
    "instagram": 2200,
    "linkedin_org": 3000,
    "facebook_page": 63206,
    "google_business": 1500,
}
MAX_TEXT = 100_000


class InputError(ValueError):
    pass


def _string(item: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise InputError(f"field {key!r} is required")
        return None
    if not isinstance(value, str):
        raise InputError(f"field {key!r} must be a string")
    return value


def _choice(item: dict[str, Any], key: str, allowed: Iterable[str], default: str) -> str:
    value = _string(item, key) or default
    allowed = tuple(allowed)
    if value not in allowed:
        raise InputError(f"field {key!r} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def context_of(item: dict[str, Any]) -> CheckContext:
    """The check context an input object describes; :class:`InputError` when it is wrong."""
    text = _string(item, "text", required=True) or ""
    if len(text) > MAX_TEXT:
        raise InputError(f"field 'text' is longer than {MAX_TEXT} characters")
    lang = _string(item, "lang")
    if lang is not None and lang not in ("fr", "en"):
        raise InputError(f"field 'lang' must be fr or en, not {lang!r}")
    network = _string(item, "network")
    countries = item.get("target_country", "FR")
    if isinstance(countries, str):
        countries = [countries]
    if not isinstance(countries, list) or not all(
        isinstance(c, str) and len(c) == 2 and c.isalpha() for c in countries
    ):
        raise InputError("field 'target_country' must be a country code or a list of them")
    return CheckContext(
        audience=_choice(item, "audience", AUDIENCES, "pharmacy"),
        kind=_choice(item, "kind", KINDS, "post"),
        lang=lang,
        network=network,
        target_countries=tuple(c.upper() for c in countries) or ("FR",),
        parent_text=_string(item, "parent"),
        char_limit=NETWORK_LIMITS.get(network or ""),
    )


def check_line(checker: Checker, raw: str, number: int) -> tuple[dict[str, Any], bool]:
    """The output object for one input line, and whether it was checked."""
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as error:
        return {"line": number, "error": f"not JSON: {error.msg} (column {error.colno})"}, False
    if not isinstance(item, dict):
        return {"line": number, "error": "expected a JSON object"}, False
    identifier = item.get("id")
    head: dict[str, Any] = {"id": identifier} if "id" in item else {}
    try:
        context = context_of(item)
    except InputError as error:
        return {**head, "line": number, "error": str(error)}, False
    result = checker.check(item["text"], context)
    return {
        **head,
        "lang": result.lang,
        "max_severity": result.max_severity,
        "findings": [finding.as_json() for finding in result.findings],
    }, True


def run(lines: Iterable[str], out: IO[str], checker: Checker) -> int:
    status = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        output, ok = check_line(checker, raw, number)
        status = status if ok else 1
        out.write(json.dumps(output, ensure_ascii=False) + "\n")
    out.flush()
    return status


def load_products(path: str) -> list[ProductInfo]:
    """Products from a JSON file: ``[{"name", "category", "statuses", "inns", "synonyms"}]``."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a JSON list of products")
    products = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InputError(f"{path}: product {index} needs a 'name'")
        category = item.get("category", "medicine")
        if category not in PRODUCT_CATEGORIES:
            raise InputError(f"{path}: product {index}: unknown category {category!r}")
        products.append(
            ProductInfo(
                name=item["name"],
                category=category,
                statuses=frozenset(item.get("statuses", ())),
                inns=tuple(item.get("inns", ())),
                synonyms=tuple(item.get("synonyms", ())),
                indications=tuple(item.get("indications", ())),
            )
        )
    return products


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="hygie check",
        description="Check texts against the health-communication rules: JSON Lines on "
        "standard input, one JSON line per input on standard output.",
    )
    parser.add_argument("--products", help="a JSON file of the organisation's own products")
    parser.add_argument(
        "--rules-only",
        action="store_true",
        help="the catalog's rules alone, without the learned second opinion",
    )
    ns = parser.parse_args(argv)
    try:
        products = load_products(ns.products) if ns.products else []
    except (OSError, json.JSONDecodeError, InputError) as error:
        print(f"hygie check: {error}", file=sys.stderr)
        return 2
    checker = Checker(products=products, learned=not ns.rules_only)
    stdin = sys.stdin
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(encoding="utf-8", errors="replace")
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    return run(stdin, sys.stdout, checker)
