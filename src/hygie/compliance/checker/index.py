"""Every lexicon entry of the catalog, found in one pass over the text.

The naive way to apply a lexicon is one regex search per entry over the whole text: hundreds
of scans per post. Instead, each entry's compiled pattern is analysed once (:func:`prefixes`)
for the literal strings any match must begin with ("approuve", "valide"… for
``\\b(?:approuve|valide)…``), and the entry is filed under them. Checking a text then visits
only the positions where a word or a symbol starts, looks up the one-, two- and
three-character strings found there, and tries ``pattern.match`` for the few entries filed
under them. Entries whose matches could begin anywhere (a leading ``\\s`` or ``.``) and
case-sensitive entries (matched against the original text) are searched the plain way.

Semantics: a match is found where a word or a symbol starts (not in the middle of a word).
Phrases always start at a word boundary; catalog regexes are written that way (a leading
``\\b`` or a literal word). :func:`naive_hits` applies the same entries by plain search; the
tests check both agree on the catalog's examples and the evaluation set.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from hygie.compliance.checker.folding import Folded

#: Longest indexed prefix, and the most prefixes one entry may be filed under.
PREFIX_LENGTH = 3
MAX_PREFIXES = 256

_ZERO_WIDTH = {sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT}
_SMALL_CLASS = 48


def _class_chars(items: Sequence[tuple[Any, Any]]) -> set[str] | None:
    """The characters a ``[...]`` class matches, or ``None`` if too many or not listable."""
    chars: set[str] = set()
    for op, av in items:
        if op is sre_c.LITERAL:
            chars.add(chr(av))
        elif op is sre_c.RANGE and av[1] - av[0] < _SMALL_CLASS:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_DIGIT:
            chars.update(
                "0123456789"
            )  # NFKD made fullwidth digits ASCII; other scripts are not looked for
        else:  # NEGATE, CATEGORY (\w, \d, \s) or a wide range
            return None
        if len(chars) > _SMALL_CLASS:
            return None
    return chars


Alternatives = set[tuple[str, bool]]
"""``(prefix, exact)``: every match begins with one of the prefixes; ``exact`` means the
element matched exactly that string, so what follows may extend the prefix."""


def _item(op: Any, av: Any) -> Alternatives:
    if op is sre_c.LITERAL:
        return {(chr(av), True)}
    if op in _ZERO_WIDTH:
        return {("", True)}
    if op is sre_c.IN or op is sre_c.CATEGORY:
        chars = _class_chars(av if op is sre_c.IN else [(op, av)])
        return {("", False)} if chars is None else {(char, True) for char in chars}
    if op is sre_c.SUBPATTERN:
        return _sequence(av[-1])
    if op is sre_c.BRANCH:
        result: Alternatives = set()
        for branch in av[1]:
            result |= _sequence(branch)
        return result
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        low, high, body = av
        inner = _sequence(body)
        once = high == 1
        alternatives = {(prefix, exact and once) for prefix, exact in inner}
        if low == 0:
            alternatives.add(("", True))
        return alternatives
    return {("", False)}  # ANY, NOT_LITERAL, CATEGORY, GROUPREF…


def _sequence(items: Iterable[tuple[Any, Any]]) -> Alternatives:
    current: Alternatives = {("", True)}
    for op, av in items:
        if all(not exact or len(prefix) >= PREFIX_LENGTH for prefix, exact in current):
            break
        following = _item(op, av)
        extended: Alternatives = set()
        for prefix, exact in current:
            if not exact or len(prefix) >= PREFIX_LENGTH:
                extended.add((prefix, False))
                continue
            for more, more_exact in following:
                extended.add((prefix + more, more_exact))
        if len(extended) > MAX_PREFIXES:  # stop refining: the prefixes so far stay true
            return {(prefix, False) for prefix, _exact in current}
        current = extended
    return current


def prefixes(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings (1 to :data:`PREFIX_LENGTH` characters) one of which begins every match of
    ``pattern`` on folded (lower-case) text; ``None`` when a match could begin with anything."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - the pattern compiled, so it parses
        return None
    found = {prefix[:PREFIX_LENGTH].lower() for prefix, _exact in _sequence(parsed.data)}
    if not found or "" in found:
        return None
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index files: a compiled pattern and the name it reports hits under."""

    name: str
    pattern: re.Pattern[str]
    case_sensitive: bool = False


Hits = dict[str, list[tuple[int, int]]]
"""Name → spans in the *original* text, in order of appearance (may overlap)."""

#: Positions where a word or a symbol starts.
_STARTS = re.compile(r"(?<!\w)\w|[^\w\s]")


class Index:
    """Entries filed by their prefixes; :meth:`hits` finds them all in a text."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._by_prefix: dict[str, list[Entry]] = defaultdict(list)
        self._scan: list[Entry] = []
        self._lengths: set[int] = set()
        self.size = 0
        for entry in entries:
            self.size += 1
            found = None if entry.case_sensitive else prefixes(entry.pattern)
            if found is None:
                self._scan.append(entry)
                continue
            for prefix in found:
                self._by_prefix[prefix].append(entry)
                self._lengths.add(len(prefix))
        self._lengths_desc = sorted(self._lengths, reverse=True)

    @property
    def scanned(self) -> tuple[Entry, ...]:
        """Entries searched the plain way (no usable prefix, or case-sensitive)."""
        return tuple(self._scan)

    def hits(self, text: Folded) -> Hits:
        folded = text.folded
        found: Hits = defaultdict(list)
        by_prefix = self._by_prefix
        lengths = self._lengths_desc
        for start_match in _STARTS.finditer(folded):
            start = start_match.start()
            tried: set[int] = set()
            for length in lengths:
                candidates = by_prefix.get(folded[start : start + length])
                if not candidates:
                    continue
                for entry in candidates:
                    if id(entry) in tried:
                        continue
                    tried.add(id(entry))
                    match = entry.pattern.match(folded, start)
                    if match is not None and match.end() > start:
                        found[entry.name].append(text.original(start, match.end()))
        for entry in self._scan:
            for span in _search(entry, text):
                found[entry.name].append(span)
        for spans in found.values():
            spans.sort()
        return found


def _search(entry: Entry, text: Folded) -> Iterator[tuple[int, int]]:
    if entry.case_sensitive:
        for match in entry.pattern.finditer(text.text):
            if match.end() > match.start():
                yield match.span()
        return
    for match in entry.pattern.finditer(text.folded):
        if match.end() > match.start():
            yield text.original(*match.span())


def naive_hits(entries: Iterable[Entry], text: Folded) -> Hits:
    """The same entries applied by one plain search each (reference and benchmark baseline)."""
    found: Hits = defaultdict(list)
    for entry in entries:
        for span in _search(entry, text):
            found[entry.name].append(span)
    for spans in found.values():
        spans.sort()
    return found
