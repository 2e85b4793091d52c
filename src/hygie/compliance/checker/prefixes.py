"""What every match of a regex begins with: the analysis the lexicon index files entries by.

:func:`first_words` walks a compiled pattern's parse tree and writes down the words any match
must begin with, as far as it can follow them: ``\\b(?:approuve|valide)e?\\s+par`` begins with
"approuve", "approuvee" or "valide", then "par"; ``gueri(?:t|r)\\w*`` with a word beginning
"gueri"; ``l.insuline`` either with "l" then "insuline", or with a word of the shape
"l?insuline" (:data:`WILD`, :func:`begins`). ``None`` when a match could begin anywhere.
Pure functions of the pattern; :mod:`.index` uses them once per entry when it is built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

#: The most alternatives the analysis of one entry may follow.
MAX_ALTERNATIVES = 512

_SMALL_CLASS = 48
WORD_CHAR = re.compile(r"\w")
#: The separator the analysis writes between the first and the second word.
SEP = " "
#: What the analysis writes for a ``.`` inside the first word: any one character there.
WILD = "\x00"

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
    if WORD_CHAR.match(char):
        return prefix + char, OPEN
    if not prefix:
        return char, COMPLETE  # an entry that starts with a symbol: the symbol is its key
    if prefix.endswith(SEP):
        return prefix, OPEN  # more separators between the two words
    if SEP in prefix or words == 1 or not WORD_CHAR.match(prefix[0]):
        return prefix, COMPLETE
    return prefix + SEP, OPEN


def _separator_only(body: Sequence[tuple[Any, Any]]) -> bool:
    """A repeated class of non-word characters only (``[\\s\\-']+``, ``\\s*``)."""
    if len(body) != 1:
        return False
    op, av = body[0]
    if op is sre_c.LITERAL:
        return not WORD_CHAR.match(chr(av))
    if op is sre_c.IN:
        chars = _class_chars(av)
        return chars is not None and not any(WORD_CHAR.match(char) for char in chars)
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
    elif op is sre_c.ANY:
        # ``l.insuline``, ``c.est``: the "." is either a separator (the word ends: "l",
        # then "insuline") or a character of the word (written WILD, the word goes on). Only
        # in the first word: the second one is only ever a filter.
        for prefix in opened:
            if prefix and SEP not in prefix and WORD_CHAR.match(prefix[0]):
                result.add(_add(prefix, SEP, words))
                result.add((prefix + WILD, OPEN))
            else:
                result.add((prefix, PARTIAL))
    else:  # NOT_LITERAL, a category, a group reference
        result.update((prefix, PARTIAL) for prefix in opened)
    return result


def begins(word: str, start: str) -> bool:
    """Whether ``word`` begins with ``start``, where :data:`WILD` stands for any character;
    a ``start`` ending with :data:`SEP` is the whole word."""
    if start.endswith(SEP):
        start = start[: -len(SEP)]
        if len(word) != len(start):
            return False
    if WILD not in start:
        return word.startswith(start)
    return len(word) >= len(start) and all(
        expected in (WILD, char) for expected, char in zip(start, word, strict=False)
    )


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
    found = _first_words(pattern.pattern, pattern.flags, words)
    return None if found is None else set(found)


@lru_cache(maxsize=1 << 16)
def _first_words(source: str, flags: int, words: int) -> frozenset[tuple[str, int]] | None:
    """:func:`first_words` of a pattern's source, analysed once per process: every checker
    (one per organisation, one per set of products in an evaluation) files the same catalog
    entries, and the analysis of them all costs seconds."""
    try:
        parsed = sre_parse.parse(source, flags)
        final = _run({("", OPEN)}, parsed.data, words)
    except OverflowError:
        return _first_words(source, flags, 1) if words > 1 else None
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
    return frozenset(result)


def prefixes(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which begins every match, once separators are written as one space."""
    found = first_words(pattern)
    return None if found is None else frozenset(prefix for prefix, _status in found)
