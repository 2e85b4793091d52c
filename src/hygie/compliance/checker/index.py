"""Every lexicon entry of the catalog, found in one pass over the text.

The naive way to apply a lexicon is one regex search per entry over the whole text: hundreds
of scans per post. Instead, each entry's compiled pattern is analysed once
(:func:`first_words`) for the words any match must begin with: ``\\b(?:approuve|valide)e?\\s+par``
begins with "approuve" or "approuvee" or "valide"…, then "par"; the phrase "la meilleure"
with "la", then "meilleure". The entry is filed under its first word, or its first two words,
or the beginning of its first word when the analysis cannot follow the whole word (``\\d+``,
``gueri(?:t|r)\\w*``). Checking a text then walks its words once, keeps those that are keys
(a set intersection in C), checks the next word where the entry has a second one, and only
then tries ``pattern.match`` at that position. Entries whose matches could begin anywhere (a
leading ``\\s`` or ``.``) and case-sensitive entries (matched against the original text) are
searched the plain way (:attr:`Index.scanned`).

Semantics: a match is only looked for where a word or a symbol starts, never in the middle of
a word. Phrases always start at a word boundary, and catalog regexes are written that way.
:func:`naive_hits` applies the same entries by plain search; the tests check both agree.
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

#: How many characters of a partly known first word are used as its lookup key, and the most
#: alternatives the analysis of one entry may follow.
KEY_LENGTH = 4
MAX_ALTERNATIVES = 512

_SMALL_CLASS = 48
_WORD_CHAR = re.compile(r"\w")
#: The separator the analysis writes between the first and the second word.
SEP = " "

OPEN, COMPLETE, PARTIAL = 0, 1, 2
State = set[tuple[str, int]]
"""``(prefix, status)``. The prefix is the first word, or the first word, :data:`SEP` and
(the beginning of) the second. ``OPEN``: exact so far, may grow; ``COMPLETE``: the last word
of the prefix has ended; ``PARTIAL``: it goes on in a way the analysis does not follow."""


def _class_chars(items: Sequence[tuple[Any, Any]]) -> set[str] | None:
    """The characters a ``[...]`` class matches, or ``None`` if too many or not listable."""
    chars: set[str] = set()
    for op, av in items:
        if op is sre_c.LITERAL:
            chars.add(chr(av))
        elif op is sre_c.RANGE and av[1] - av[0] < _SMALL_CLASS:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_DIGIT:
            # NFKD made fullwidth digits ASCII; digits of other scripts are not looked for.
            chars.update("0123456789")
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_SPACE:
            chars.update(" \t\n\r\f\v")
        else:  # NEGATE, \w, a wide range
            return None
        if len(chars) > _SMALL_CLASS:
            return None
    return chars


def _add(prefix: str, char: str, words: int) -> tuple[str, int]:
    """An open prefix followed by one character of the text."""
    if _WORD_CHAR.match(char):
        return prefix + char, OPEN
    if not prefix:
        return char, COMPLETE  # an entry that starts with a symbol: the symbol is its key
    if prefix.endswith(SEP):
        return prefix, OPEN  # more separators between the two words
    if SEP in prefix or words == 1 or not _WORD_CHAR.match(prefix[0]):
        return prefix, COMPLETE
    return prefix + SEP, OPEN


def _separator_only(body: Sequence[tuple[Any, Any]]) -> bool:
    """A repeated class of non-word characters only (``[\\s\\-']+``, ``\\s*``)."""
    if len(body) != 1:
        return False
    op, av = body[0]
    if op is sre_c.LITERAL:
        return not _WORD_CHAR.match(chr(av))
    if op is sre_c.IN:
        chars = _class_chars(av)
        return chars is not None and not any(_WORD_CHAR.match(char) for char in chars)
    return False


def _word_end(op: Any, av: Any) -> bool:
    """``\\b`` or ``(?!\\w)``: after word characters, the word ends here."""
    if op is sre_c.AT:
        return av is sre_c.AT_BOUNDARY or av is sre_c.AT_END or av is sre_c.AT_END_STRING
    if op is sre_c.ASSERT_NOT and av[0] == 1:  # a negative lookahead
        body = list(av[1])
        if len(body) == 1 and body[0][0] is sre_c.IN:
            return any(
                op2 is sre_c.CATEGORY and arg is sre_c.CATEGORY_WORD for op2, arg in body[0][1]
            )
    return False


def _step(state: State, op: Any, av: Any, words: int) -> State:
    result: State = {item for item in state if item[1] != OPEN}
    opened = {prefix for prefix, status in state if status == OPEN}
    if not opened:
        return result
    if op is sre_c.LITERAL:
        result.update(_add(prefix, chr(av), words) for prefix in opened)
    elif op is sre_c.IN:
        chars = _class_chars(av)
        if chars is None:
            result.update((prefix, PARTIAL) for prefix in opened)
        else:
            result.update(_add(prefix, char, words) for prefix in opened for char in chars)
    elif op is sre_c.AT or op is sre_c.ASSERT_NOT or op is sre_c.ASSERT:
        for prefix in opened:
            ends = prefix and not prefix.endswith(SEP) and _word_end(op, av)
            result.add(_add(prefix, SEP, words) if ends else (prefix, OPEN))
    elif op is sre_c.SUBPATTERN:
        result |= _run({(prefix, OPEN) for prefix in opened}, av[-1], words)
    elif op is sre_c.BRANCH:
        for branch in av[1]:
            result |= _run({(prefix, OPEN) for prefix in opened}, branch, words)
    elif op is sre_c.MAX_REPEAT or op is sre_c.MIN_REPEAT:
        low, high, body = av
        start = {(prefix, OPEN) for prefix in opened}
        if _separator_only(body):  # any number of separators is one separator
            once = {_add(prefix, SEP, words) for prefix in opened}
        else:
            once = _run(start, body, words)
            if high != 1:  # more repetitions may follow: stop following
                once = {(p, PARTIAL if status == OPEN else status) for p, status in once}
        result |= once
        if low == 0:
            result |= start
    else:  # ANY, NOT_LITERAL, a category, a group reference
        result.update((prefix, PARTIAL) for prefix in opened)
    return result


def _run(state: State, items: Iterable[tuple[Any, Any]], words: int) -> State:
    for op, av in items:
        if all(status != OPEN for _prefix, status in state):
            break
        state = _step(state, op, av, words)
        if len(state) > MAX_ALTERNATIVES:
            raise OverflowError
    return state


def first_words(pattern: re.Pattern[str], words: int = 2) -> State | None:
    """What every match of ``pattern`` on folded (lower-case) text begins with: a set of
    ``(prefix, status)`` (see :data:`State`); ``None`` when a match could begin anywhere."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        final = _run({("", OPEN)}, parsed.data, words)
    except OverflowError:
        return first_words(pattern, 1) if words > 1 else None
    except (RecursionError, sre_c.error):
        return None
    result: State = set()
    for prefix, status in final:
        prefix = prefix.lower()
        if not prefix:
            return None
        if prefix.endswith(SEP):  # the first word ended and nothing is known after it
            prefix, status = prefix[: -len(SEP)], COMPLETE
        elif status == OPEN:
            status = PARTIAL
        result.add((prefix, status))
    return result


def prefixes(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which begins every match, once separators are written as one space."""
    found = first_words(pattern)
    return None if found is None else frozenset(prefix for prefix, _status in found)


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index files: a compiled pattern and the name it reports hits under."""

    name: str
    pattern: re.Pattern[str]
    case_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class _Filed:
    entry: Entry
    #: The second word (or its beginning, when ``second_partial``), if the entry has one.
    second: str = ""
    second_partial: bool = False
    #: The beginning of the first word, for entries filed by it.
    start: str = ""


@dataclass(frozen=True, slots=True)
class _Bucket:
    """What to try where a given word stands: entries needing nothing more, entries needing a
    given next word, entries needing a next word that begins a given way."""

    alone: tuple[Entry, ...]
    second: dict[str, tuple[Entry, ...]]
    second_starts: tuple[tuple[str, Entry], ...]
    has_second: bool
    #: Names of one-word phrases that are exactly this word: a hit without trying a regex.
    certain: tuple[str, ...] = ()

    @classmethod
    def of(cls, filed: Sequence[_Filed], word: str = "") -> _Bucket:
        alone = tuple(dict.fromkeys(item.entry for item in filed if not item.second))
        exact = rf"(?<!\w){re.escape(word)}(?!\w)" if word else None
        certain = tuple(
            dict.fromkeys(
                entry.name
                for entry in alone
                if not entry.case_sensitive and entry.pattern.pattern == exact
            )
        )
        alone = tuple(
            entry for entry in alone if entry.case_sensitive or entry.pattern.pattern != exact
        )
        second: dict[str, list[Entry]] = defaultdict(list)
        starts: list[tuple[str, Entry]] = []
        for item in filed:
            if item.second and item.second_partial:
                starts.append((item.second, item.entry))
            elif item.second and item.entry not in second[item.second]:
                second[item.second].append(item.entry)
        return cls(
            alone,
            {word: tuple(entries) for word, entries in second.items()},
            tuple(starts),
            bool(second or starts),
            certain,
        )


Hits = dict[str, list[tuple[int, int]]]
"""Name → spans in the *original* text, in order of appearance (may overlap)."""

_WORDS = re.compile(r"\w+")
_CACHE_LIMIT = 200_000


def _trie(words: dict[str, bool]) -> str:
    r"""A regex alternation of ``words`` shaped as a trie (``l(?:a|es?)``), so that the regex
    engine tries one branch per character instead of every word at every position. A word
    mapped to ``True`` must end there (``(?!\w)``); ``False``: it may go on (a beginning)."""
    root: dict[str, Any] = {}
    for word, whole in words.items():
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = node.get("", False) or not whole  # a beginning accepts more than a word

    def render(node: dict[str, Any]) -> str:
        branches = [
            (r"\W+" if char == SEP else re.escape(char)) + render(child)
            for char, child in sorted(node.items())
            if char
        ]
        if "" in node:
            branches.append("" if node[""] else r"(?!\w)")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return render(root)


_UPPER_RUN = re.compile(r"[A-ZÀ-ÖØ-Þ]{2}")


def _guard(entry: Entry) -> re.Pattern[str] | str | None:
    """A cheap test a text must pass for ``entry`` to match in it: the longest literal every
    match contains (``"code"`` for ``\bcode\\s+[A-Z]{4}``), or, for a case-sensitive entry
    that starts with capitals, two capitals in a row."""
    try:
        parsed = sre_parse.parse(entry.pattern.pattern, entry.pattern.flags)
    except sre_c.error:
        return None
    runs, run = [], ""
    for op, av in parsed.data:
        if op is sre_c.LITERAL:
            run += chr(av)
        else:
            runs.append(run)
            run = ""
    runs.append(run)
    longest = max(runs, key=len)
    if len(longest) >= 2:
        return longest if entry.case_sensitive else longest.lower()
    if entry.case_sensitive and "A-Z" in entry.pattern.pattern[:12]:
        return _UPPER_RUN
    return None


def _too_vague(found: State) -> bool:
    r"""Filed under many one-letter beginnings (``[a-z]{2,4}-\d+``): tried at most words."""
    return sum(1 for prefix, status in found if status != COMPLETE and len(prefix) == 1) > 12


class Index:
    """Entries filed by their first words; :meth:`hits` finds them all in a text."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._by_word: dict[str, list[_Filed]] = defaultdict(list)
        self._by_start: dict[str, list[_Filed]] = defaultdict(list)
        self._by_symbol: dict[str, list[_Filed]] = defaultdict(list)
        self._scan: list[Entry] = []
        self.size = 0
        for entry in entries:
            self.size += 1
            found = None if entry.case_sensitive else first_words(entry.pattern)
            if found is not None and _too_vague(found):
                found = None  # one plain search costs less than a try at every word
            if found is None:
                self._scan.append(entry)
                continue
            for prefix, status in found:
                self._file(entry, prefix, status)
        self._lengths = sorted({len(key) for key in self._by_start}, reverse=True)
        self._cache: dict[str, _Bucket | bool | None] = {}
        keys: dict[str, bool] = {}
        for word, items in self._by_word.items():
            for item in items:
                key = f"{word}{SEP}{item.second}" if item.second else word
                keys[key] = keys.get(key, True) and not item.second_partial
        for items in self._by_start.values():
            for item in items:
                keys[item.start] = False
        # A lookahead: matches are empty, so a key spanning two words hides no key inside.
        # The match is the whole first word (a key spanning two words is a lookahead, so the
        # second word, which may begin a key of its own, is not consumed).
        self._keys = re.compile(rf"(?<!\w)(?=(?:{_trie(keys)}))\w+") if keys else None
        self._guards = {id(entry): _guard(entry) for entry in self._scan}
        self._starts = frozenset(self._by_start)
        symbols = "".join(sorted(self._by_symbol))
        self._symbols = re.compile(f"[{re.escape(symbols)}]") if symbols else None

    def _file(self, entry: Entry, prefix: str, status: int) -> None:
        first, _sep, second = prefix.partition(SEP)
        if not _WORD_CHAR.match(first[0]):
            self._by_symbol[first[0]].append(_Filed(entry))
        elif second:
            self._by_word[first].append(_Filed(entry, second, status != COMPLETE))
        elif status == COMPLETE:
            self._by_word[first].append(_Filed(entry))
        else:
            self._by_start[first[:KEY_LENGTH]].append(_Filed(entry, start=first))

    @property
    def scanned(self) -> tuple[Entry, ...]:
        """Entries searched the plain way (no usable first word, or case-sensitive)."""
        return tuple(self._scan)

    def _starting(self, word: str) -> list[_Filed]:
        filed: list[_Filed] = []
        for length in self._lengths:
            if length <= len(word):
                for item in self._by_start.get(word[:length], ()):
                    if word.startswith(item.start):
                        filed.append(item)
        return filed

    def _bucket(self, word: str) -> _Bucket | None:
        bucket = self._cache.get(word, False)
        if bucket is False:
            filed = [*self._by_word.get(word, ()), *self._starting(word)]
            bucket = _Bucket.of(filed, word) if filed else None
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = bucket
        return bucket  # type: ignore[return-value]

    def hits(self, text: Folded) -> Hits:
        folded = text.folded
        found: Hits = defaultdict(list)
        if self._keys is not None:
            # The trie regex finds, in C, the words that begin with a key; Python only looks
            # at those.
            cache = self._cache
            for word_match in self._keys.finditer(folded):
                start = word_match.start()
                word = word_match.group()
                cached = cache.get(word, False)
                bucket = self._bucket(word) if cached is False else cached
                if not isinstance(bucket, _Bucket):
                    continue
                if bucket.certain:
                    span = text.original(start, word_match.end())
                    for name in bucket.certain:
                        found[name].append(span)
                entries = bucket.alone
                if bucket.has_second:
                    after = _WORDS.search(folded, word_match.end())
                    following = after.group() if after is not None else ""
                    more = bucket.second.get(following, ())
                    starting = [
                        e for prefix, e in bucket.second_starts if following.startswith(prefix)
                    ]
                    if more or starting:
                        entries = tuple(dict.fromkeys([*entries, *more, *starting]))
                for entry in entries:
                    match = entry.pattern.match(folded, start)
                    if match is not None and match.end() > start:
                        found[entry.name].append(text.original(start, match.end()))
        if self._symbols is not None:
            for symbol in self._symbols.finditer(folded):
                start = symbol.start()
                for item in self._by_symbol[symbol.group()]:
                    match = item.entry.pattern.match(folded, start)
                    if match is not None and match.end() > start:
                        found[item.entry.name].append(text.original(start, match.end()))
        for entry in self._scan:
            guard = self._guards.get(id(entry))
            if guard is not None:
                searched = text.text if entry.case_sensitive else folded
                if isinstance(guard, str):
                    if guard not in searched:
                        continue
                elif guard.search(searched) is None:
                    continue
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
