"""The triage lexicons (``data/lexicons.yaml``), compiled to one pattern per category.

Patterns are matched on folded text (see :mod:`hygie.compliance.checker.folding`); matches are
bounded by non-letters so a short word never fires inside a longer one. Pure Python.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from hygie.compliance.rules.catalog import fold

#: Categories with a flat list of patterns.
FLAT = (
    "generic_drug",
    "event",
    "no_event",
    "cause",
    "first_person",
    "relative",
    "hearsay",
    "quality",
    "insult",
    "threat",
    "hate",
    "defamation",
    "question",
    "medical_topic",
    "spam",
    "positive",
    "negative",
    "negation",
)


class LexiconError(ValueError):
    """The lexicon file is malformed: names the category and the entry."""


def compile_patterns(category: str, entries: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for entry in entries:
        if not isinstance(entry, str):
            raise LexiconError(f"{category}: {entry!r}: each entry must be a string (quote it)")
        entry = entry.strip()
        if not entry:
            continue
        try:
            re.compile(entry)
        except re.error as exc:
            raise LexiconError(f"{category}: {entry!r}: {exc}") from exc
        parts.append(entry)
    if not parts:
        return re.compile(r"(?!x)x")  # matches nothing
    # Longest first so that the alternation prefers "mal de tete" over "mal".
    parts.sort(key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])")


@dataclass(frozen=True)
class Lexicons:
    version: str
    patterns: Mapping[str, re.Pattern[str]]
    special: Mapping[str, re.Pattern[str]]
    #: folded surface -> product name, for slang and everyday names.
    slang: Mapping[str, str]
    slang_pattern: re.Pattern[str]

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Lexicons:
        if not isinstance(doc, Mapping):
            raise LexiconError("the lexicon document must be a mapping")
        patterns = {}
        for category in FLAT:
            entries = doc.get(category)
            if not isinstance(entries, list):
                raise LexiconError(f"{category}: a list of patterns is required")
            patterns[category] = compile_patterns(category, entries)
        special_doc = doc.get("special")
        if not isinstance(special_doc, Mapping):
            raise LexiconError("special: a mapping of situation -> patterns is required")
        special = {
            str(name): compile_patterns(f"special.{name}", entries)
            for name, entries in special_doc.items()
        }
        slang_doc = doc.get("slang") or {}
        slang = {fold(str(k)): str(v) for k, v in slang_doc.items()}
        slang_pattern = compile_patterns("slang", [re.escape(k) for k in slang])
        return cls(str(doc.get("version", "")), patterns, special, slang, slang_pattern)

    @classmethod
    def load_default(cls) -> Lexicons:
        return _default()


@lru_cache(maxsize=1)
def _default() -> Lexicons:
    text = (
        importlib.resources.files("hygie.nlp")
        .joinpath("data/lexicons.yaml")
        .read_text(encoding="utf-8")
    )
    return Lexicons.from_document(yaml.safe_load(text))
