"""Every lexicon entry of the catalog, found in one pass over the text.

The naive way to apply a lexicon is one regex search per entry over the whole text: hundreds
of scans per post. Instead, each entry's compiled pattern is analysed once
(:func:`first_words`) for the words any match must begin with: ``\\b(?:approuve|valide)e?\\s+par``
begins with "approuve" or "approuvee" or "valide"…, then "par"; the phrase "la meilleure"
with "la", then "meilleure". The entry is filed under its first word, or its first two words,
or the beginning of its first word when the analysis cannot follow the whole word (``\\d+``,
``gueri(?:t|r)\\w*``). A ``.`` in the first word (``l.insuline``, ``c.est``: an elision
written loosely) is followed both ways: as a separator ("l", then "insuline") and as a
character of the word (a word of that shape, :func:`begins`), so such an entry is tried before
its own next word only, not at every word that begins with "l". Entries whose matches could
begin anywhere (a leading ``\\s`` or ``.``) and case-sensitive entries (matched against the
original text) are searched the plain way (:attr:`Index.scanned`), behind a cheap guard
(:func:`_guard`).

Checking a text (:meth:`Index.scan`) does in C what is done for every word, and in Python only
what is done where something may match:

* one ``re.split`` gives the words and, by the lengths of what lies between them, their
  offsets;
* one ``map`` over the pairs (word, next word) looks up what was worked out the first time
  that pair was met (:meth:`Index._visit`): nothing for most pairs, else the names of the
  one-word phrases that are exactly the word and the *steps* to take there (the entries filed
  under the word, and those whose second word, or its beginning, is the next word);
* ``itertools.compress`` keeps the positions with something to do. A step is one entry's
  ``pattern.match``, or, for several entries, one alternation ``(E1)|(E2)|…`` of them
  (:class:`_Trial`): the regex engine tries the branches in order and stops at the first that
  matches, so a single call in C answers for every entry that does not match (most of them),
  and ``lastindex`` tells which one matched (then the search goes on from the next one).

Every cache is bounded; the steps are shared by every index (the same entries, the same steps).

Semantics: a match is only looked for where a word or a symbol starts, never in the middle of
a word. Phrases always start at a word boundary, and catalog regexes are written that way.
:func:`naive_hits` applies the same entries by plain search; the tests check both agree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count, repeat
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Literal

from hygie.compliance.checker.folding import Folded
from hygie.compliance.checker.prefixes import (
    COMPLETE,
    SEP,
    WILD,
    WORD_CHAR,
    State,
    begins,
    first_words,
)

#: How many characters of a partly known first word are used as its lookup key.
KEY_LENGTH = 4


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


_Match = Callable[[str, int], "re.Match[str] | None"]
#: ``\w+`` or ``\d+`` right before a ``\s`` that must match at least once (not ``\s*``,
#: ``\s?``…) or before ``\b``.
_RUN_BEFORE_END = re.compile(r"(?<!\\)\\([wd])\+(?=\\s(?![*?{])|\\b)")
_TRIED: dict[re.Pattern[str], re.Pattern[str]] = {}


def _parsed_shape(pattern: str, flags: int) -> str:
    return repr(sre_parse.parse(pattern, flags).data).replace("POSSESSIVE_REPEAT", "MAX_REPEAT")


def _tried(pattern: re.Pattern[str]) -> re.Pattern[str]:
    r"""``pattern`` as the index tries it: ``\w+`` or ``\d+`` right before ``\s`` (at least
    one) or ``\b`` made possessive (``\w++``). The same matches: no character is both ``\w``
    and ``\s`` (digits are word characters), so a run followed by a space or a word boundary
    is always the whole run, and giving characters back (what the regex engine tries,
    character by character, when what follows fails) never helps. Kept only when the
    rewritten pattern parses to the same items but for that."""
    tried = _TRIED.get(pattern)
    if tried is None:
        tried = pattern
        body = pattern.pattern
        if isinstance(body, str) and not pattern.flags & re.VERBOSE:
            fast = _RUN_BEFORE_END.sub(r"\\\1++", body)
            if fast != body:
                try:
                    if _parsed_shape(fast, pattern.flags) == _parsed_shape(body, pattern.flags):
                        tried = re.compile(fast, pattern.flags)
                except (re.error, RecursionError):
                    tried = pattern
        if len(_TRIED) > _STEPS_LIMIT:
            _TRIED.clear()
        _TRIED[pattern] = tried
    return tried


_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_SCOPED_FLAGS = ((re.IGNORECASE, "i"), (re.DOTALL, "s"), (re.MULTILINE, "m"))


def _branch(entry: Entry) -> str | None:
    """``entry``'s pattern as a capturing branch of an alternation (its flags scoped to it),
    or ``None`` when it cannot be one (groups of its own, verbose or ASCII flags)."""
    pattern = _tried(entry.pattern)
    if pattern.groups or pattern.flags & (re.VERBOSE | re.ASCII | re.LOCALE):
        return None
    body = pattern.pattern
    inline = _INLINE_FLAGS.match(body)
    if inline is not None:
        body = body[inline.end() :]  # global flags: already in ``pattern.flags``
    letters = "".join(letter for flag, letter in _SCOPED_FLAGS if pattern.flags & flag)
    return f"((?{letters}:{body}))" if letters else f"({body})"


#: The fewest entries worth one alternation (fewer are tried one by one, with no regex to
#: compile): from the first entry, and from an entry after a hit.
_FIRST_ALTERNATION = 2
_NEXT_ALTERNATION = 4
_STEPS_LIMIT = 50_000


@dataclass(slots=True)
class _Trial:
    r"""Entries to try, in order, where a word stands.

    ``tests[k]`` is the alternation ``(E_k)|(E_k+1)|…`` of the entries from the k-th on
    (compiled on first use: ``False`` until then), or ``None`` where entry ``k`` is tried alone.
    The regex engine tries the branches in order and stops at the first that matches, so
    ``lastindex`` tells which entry is the first to match from ``k`` on, and the match is that
    entry's own match (nothing follows the alternation). One call in C stands for every entry
    that does not match, which is most of them."""

    names: tuple[str, ...]
    entries: tuple[Entry, ...]
    matches: tuple[_Match, ...]
    tests: list[_Match | Literal[False] | None]

    @classmethod
    def of(cls, entries: tuple[Entry, ...]) -> _Trial:
        count = len(entries)
        tests: list[_Match | Literal[False] | None] = [
            False if count - k >= (_NEXT_ALTERNATION if k else _FIRST_ALTERNATION) else None
            for k in range(count)
        ]
        return cls(
            tuple(entry.name for entry in entries),
            entries,
            tuple(_tried(entry.pattern).match for entry in entries),
            tests,
        )

    def compile(self, k: int) -> _Match | None:
        """The alternation of the entries from the k-th on (``None`` if one cannot be a
        branch: they are then all tried alone)."""
        branches = [_branch(entry) for entry in self.entries[k:]]
        test: _Match | None = None
        if None not in branches:
            try:
                test = re.compile("|".join(branches)).match  # type: ignore[arg-type]
            except re.error:
                test = None
        if test is None:
            self.tests[k:] = [None] * (len(self.entries) - k)
        else:
            self.tests[k] = test
        return test


#: What is tried where a word stands: one entry alone (its name and its pattern's ``match``),
#: or several in a :class:`_Trial`.
_Step = tuple[str, _Match] | _Trial
#: Steps by their entries, shared by every index (the same entries, the same steps).
_STEPS: dict[tuple[Entry, ...], tuple[_Step, ...]] = {}


def _steps(entries: tuple[Entry, ...]) -> tuple[_Step, ...]:
    steps = _STEPS.get(entries)
    if steps is None:
        if len(entries) >= _FIRST_ALTERNATION:
            steps = (_Trial.of(entries),)
        else:
            steps = tuple((entry.name, _tried(entry.pattern).match) for entry in entries)
        if len(_STEPS) > _STEPS_LIMIT:
            _STEPS.clear()
        _STEPS[entries] = steps
    return steps


#: Where a word stands before a given next word: the names of the one-word phrases it is, and
#: the steps (``None`` when there is nothing to do).
_Visit = tuple[tuple[str, ...], tuple[_Step, ...]]
#: A pair of words not met yet (a true value: ``compress`` keeps it).
_UNKNOWN: _Visit = ((), ())


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a word of the text calls for: the steps of its entries that need no next word,
    and its visit when none needs one (``bucket.has_second`` false)."""

    bucket: _Bucket
    steps: tuple[_Step, ...]
    visit: _Visit | None


Hits = dict[str, list[tuple[int, int]]]
"""Name → spans in the *original* text, in order of appearance (may overlap)."""

_WORDS = re.compile(r"\w+")
_SPLIT = re.compile(r"(\W+)")
_CACHE_LIMIT = 200_000


#: Two capitals in a row (written ``XX``, not ``X{2}``: the regex engine skips fast to a class).
_UPPER_RUN = re.compile(r"[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ]")


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
    return _from_literal(parsed.data, entry.pattern.flags)


_CATEGORIES = {
    sre_c.CATEGORY_DIGIT: r"\d",
    sre_c.CATEGORY_NOT_DIGIT: r"\D",
    sre_c.CATEGORY_SPACE: r"\s",
    sre_c.CATEGORY_NOT_SPACE: r"\S",
    sre_c.CATEGORY_WORD: r"\w",
    sre_c.CATEGORY_NOT_WORD: r"\W",
}
_ANCHORS = {
    sre_c.AT_BOUNDARY: r"\b",
    sre_c.AT_NON_BOUNDARY: r"\B",
    sre_c.AT_BEGINNING: "^",
    sre_c.AT_BEGINNING_STRING: r"\A",
    sre_c.AT_END: "$",
    sre_c.AT_END_STRING: r"\Z",
}


def _from_literal(items: Sequence[tuple[Any, Any]], flags: int) -> re.Pattern[str] | None:
    r"""The part of a pattern from its first literal on (``-\d{2,5}\b`` for
    ``\b[a-z]{2,4}-\d{2,5}\b``), as far as :func:`_unparse` can write it: every match of the
    pattern contains a match of it, and the regex engine searches for a literal fast."""
    items = list(items)
    first = next((i for i, (op, _av) in enumerate(items) if op is sre_c.LITERAL), None)
    if first is None:
        return None
    written = []
    for item in items[first:]:
        text = _unparse([item])
        if text is None:
            break  # what comes before is still a necessary part of every match
        written.append(text)
    try:
        return re.compile("".join(written), flags)
    except re.error:  # pragma: no cover - _unparse writes only what the parser read
        return None


def _unparse(items: Sequence[tuple[Any, Any]]) -> str | None:
    """Parsed regex items written back (a subset of the syntax; ``None`` for the rest)."""
    out = []
    for op, av in items:
        if op is sre_c.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is sre_c.NOT_LITERAL:
            out.append(f"[^{re.escape(chr(av))}]")
        elif op is sre_c.ANY:
            out.append(".")
        elif op is sre_c.IN:
            chars: list[str] = []
            for op2, av2 in av:
                if op2 is sre_c.NEGATE and not chars:
                    chars.append("^")
                elif op2 is sre_c.LITERAL:
                    chars.append(re.escape(chr(av2)))
                elif op2 is sre_c.RANGE:
                    chars.append(f"{re.escape(chr(av2[0]))}-{re.escape(chr(av2[1]))}")
                elif op2 is sre_c.CATEGORY and av2 in _CATEGORIES:
                    chars.append(_CATEGORIES[av2])
                else:
                    return None
            out.append(f"[{''.join(chars)}]")
        elif op is sre_c.AT and av in _ANCHORS:
            out.append(_ANCHORS[av])
        elif op is sre_c.MAX_REPEAT or op is sre_c.MIN_REPEAT:
            low, high, body = av
            inner = _unparse(body)
            if inner is None:
                return None
            bound = "" if high is sre_c.MAXREPEAT else str(high)
            lazy = "?" if op is sre_c.MIN_REPEAT else ""
            out.append(f"(?:{inner}){{{low},{bound}}}{lazy}")
        elif op is sre_c.SUBPATTERN and not av[1] and not av[2]:
            inner = _unparse(av[3])
            if inner is None:
                return None
            out.append(f"(?:{inner})")
        elif op is sre_c.BRANCH:
            branches = [_unparse(branch) for branch in av[1]]
            if any(branch is None for branch in branches):
                return None
            out.append(f"(?:{'|'.join(branches)})")  # type: ignore[arg-type]
        elif op is sre_c.ASSERT or op is sre_c.ASSERT_NOT:
            direction, body = av
            inner = _unparse(body)
            if inner is None:
                return None
            kind = ("=" if op is sre_c.ASSERT else "!") if direction == 1 else None
            if direction == -1:
                kind = "<=" if op is sre_c.ASSERT else "<!"
            out.append(f"(?{kind}{inner})")
        else:  # a group reference, a category outside a class, an atomic group…
            return None
    return "".join(out)


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
        self._plans: dict[str, _Plan | None] = {}
        self._visits: dict[tuple[str, str], _Visit | None] = {}
        self._guards = {id(entry): _guard(entry) for entry in self._scan}
        symbols = "".join(sorted(self._by_symbol))
        # Characters outside the BMP (emojis) make the regex engine test a class character by
        # character: every one of them is matched instead (one range), and skipped below when
        # it is not a key.
        bmp = "".join(char for char in symbols if char <= "\uffff")
        astral = "\U00010000-\U0010ffff" if len(bmp) < len(symbols) else ""
        self._symbols = re.compile(f"[{re.escape(bmp)}{astral}]") if symbols else None

    def _file(self, entry: Entry, prefix: str, status: int) -> None:
        first, _sep, second = prefix.partition(SEP)
        if WILD in first:
            # Tried at the words that are (or begin) that way, and, when the second word is
            # known, only before it.
            key = first[: min(KEY_LENGTH, first.index(WILD))]
            whole = bool(second) or status == COMPLETE
            filed = _Filed(
                entry,
                second=second,
                second_partial=status != COMPLETE,
                start=first + SEP if whole else first,
            )
            self._by_start[key].append(filed)
        elif not WORD_CHAR.match(first[0]):
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
                    if begins(word, item.start):
                        filed.append(item)
        return filed

    def _plan(self, word: str) -> _Plan | None:
        """What to do where ``word`` stands, worked out once per distinct word."""
        if word in self._plans:
            return self._plans[word]
        filed = [*self._by_word.get(word, ()), *self._starting(word)] if word else []
        if filed:
            bucket = _Bucket.of(filed, word)
            steps = _steps(bucket.alone)
            visit = (bucket.certain, steps) if bucket.certain or steps else None
            plan = _Plan(bucket, steps, visit)
        else:
            plan = None
        if len(self._plans) > _CACHE_LIMIT:
            self._plans.clear()
        self._plans[word] = plan
        return plan

    def _visit(self, word: str, following: str) -> _Visit | None:
        """What to do where ``word`` stands before the word ``following`` (``None``: nothing):
        the names of its one-word phrases, and the steps: the word's own entries, then the
        entries that also need that next word (in the order and without the repeats of
        ``dict.fromkeys([*alone, *second, *starting])``)."""
        plan = self._plan(word)
        visit = None
        if plan is not None:
            bucket = plan.bucket
            visit = plan.visit
            if bucket.has_second:
                more = bucket.second.get(following, ())
                starting = [e for p, e in bucket.second_starts if following.startswith(p)]
                if more or starting:
                    alone = set(bucket.alone)
                    extra = tuple(e for e in dict.fromkeys([*more, *starting]) if e not in alone)
                    if extra:
                        visit = (bucket.certain, (*plan.steps, *_steps(extra)))
        if len(self._visits) > _CACHE_LIMIT:
            self._visits.clear()
        self._visits[(word, following)] = visit
        return visit

    def hits(self, text: Folded) -> Hits:
        return self.scan(text)[0]

    def scan(self, text: Folded) -> tuple[Hits, list[str]]:
        """The hits, and the words of the folded text (``\\w+``, in order)."""
        folded = text.folded
        offsets = text.offsets
        original = text.original
        found: Hits = defaultdict(list)
        # Words and what lies between them, in one call in C: the words at the even indexes
        # (the first may be empty, and the last), a word's start is the total length before
        # it. Then, in C too, what was worked out before for each word and the word after it
        # (``None`` for most: nothing; :data:`_UNKNOWN` for a pair not met yet), and the
        # positions where something is to be done.
        parts = _SPLIT.split(folded)
        words = parts[::2]
        if not words[-1]:
            words.pop()  # the text ends with a separator
        followings = words[1:]
        if words:  # an empty text has none
            followings.append("")
        visits = list(map(self._visits.get, zip(words, followings, strict=True), repeat(_UNKNOWN)))
        starts: list[int] = []
        for index in compress(count(), visits):
            visit = visits[index]
            if visit is _UNKNOWN:
                visit = self._visit(words[index], followings[index])
            if visit is None:
                continue
            if not starts:
                starts = list(accumulate(map(len, parts), initial=0))
            start = starts[2 * index]
            certain, steps = visit
            if certain:
                end = starts[2 * index + 1]
                span = (start, end) if offsets is None else original(start, end)
                for name in certain:
                    found[name].append(span)
            for step in steps:
                if isinstance(step, tuple):  # one entry, tried alone
                    name, pattern_match = step
                    match = pattern_match(folded, start)
                    if match is not None:
                        stop = match.end()
                        if stop > start:
                            found[name].append(
                                (start, stop) if offsets is None else original(start, stop)
                            )
                    continue
                # The alternation of the entries from the k-th on finds, in C, the first of
                # them that matches here (and where its match ends): Python sees only the hits.
                names, tests = step.names, step.tests
                size = len(names)
                k = 0
                while k < size:
                    test = tests[k]
                    if test is False:
                        test = step.compile(k)
                    if test is None:
                        match = step.matches[k](folded, start)
                        if match is not None:
                            stop = match.end()
                            if stop > start:
                                found[names[k]].append(
                                    (start, stop) if offsets is None else original(start, stop)
                                )
                        k += 1
                        continue
                    match = test(folded, start)
                    if match is None:
                        break
                    k += match.lastindex - 1  # type: ignore[operator]
                    stop = match.end()
                    if stop > start:
                        found[names[k]].append(
                            (start, stop) if offsets is None else original(start, stop)
                        )
                    k += 1
        if words and not words[0]:
            del words[0]  # the text begins with a separator
        if self._symbols is not None:
            by_symbol = self._by_symbol
            for symbol in self._symbols.finditer(folded):
                filed = by_symbol.get(symbol.group())
                if filed is None:
                    continue
                start = symbol.start()
                for item in filed:
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
        return found, words


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
