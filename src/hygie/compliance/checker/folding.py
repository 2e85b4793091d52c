"""Folded text with a way back to the original offsets.

The catalog's lexicons are matched against :func:`hygie.compliance.rules.fold` of the text
(case-folded, accents removed, ligatures expanded, typographic marks made ASCII), but findings
must point at the author's own characters. :class:`Folded` folds a text character by character
(the same result as ``fold(text)`` up to the order of dropped combining marks) and maps a span
of the folded text back to the original.

Fast: the runs of ASCII characters are folded by ``str.lower`` (their folded form, one
character each, is their lower case but for the few listed in :data:`_ASCII_FOLDS`, replaced
first), the runs of other characters by one ``str.translate`` through a process-wide table
filled lazily, so the Python-level work per text is proportional to its *distinct* characters,
not its length. Only a text with a character whose folded form is not exactly one character
(``œ`` → ``oe``, a decomposed accent → nothing, ``ß`` → ``ss``; never an ASCII one) pays for
an offset table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hygie.compliance.rules.catalog import fold


class _FoldTable(dict[int, str]):
    """``ord(char)`` → folded form, computed on first use (``str.translate`` calls
    ``__missing__`` through the mapping protocol)."""

    irregular: set[str]

    def __init__(self) -> None:
        super().__init__()
        self.irregular = set()

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        folded = fold(char)
        if len(folded) != 1:
            self.irregular.add(char)
        if len(self) < 200_000:  # a bound against adversarial input, never reached by text
            self[codepoint] = folded
        return folded


_TABLE = _FoldTable()

#: ASCII characters whose folded form is not their lower case (the backquote), with that form.
_ASCII_FOLDS = tuple(
    (chr(code), _TABLE[code]) for code in range(128) if _TABLE[code] != chr(code).lower()
)
if any(len(folded) != 1 or folded.lower() != folded for _char, folded in _ASCII_FOLDS) or any(
    len(_TABLE[code]) != 1 for code in range(128)
):  # pragma: no cover - a change of fold() that this fast path does not handle
    raise RuntimeError("folding: an ASCII character does not fold to one character")
#: Runs of non-ASCII characters (kept by ``split`` at the odd indexes).
_NON_ASCII = re.compile(r"([^\x00-\x7f]+)")


def _fold(text: str) -> tuple[str, str]:
    """``text.translate(_TABLE)`` (with the table filled for every character of ``text``),
    and the non-ASCII characters of ``text``."""
    for char, folded in _ASCII_FOLDS:
        if char in text:
            text = text.replace(char, folded)
    parts = _NON_ASCII.split(text)
    others = parts[1::2]
    parts[::2] = [part.lower() for part in parts[::2]]
    parts[1::2] = [part.translate(_TABLE) for part in others]
    return "".join(parts), "".join(others)


@dataclass(frozen=True, slots=True)
class Folded:
    """``text`` folded into ``folded``; :meth:`original` maps folded offsets back."""

    text: str
    folded: str
    #: ``None`` when every character folds to exactly one (offsets are the same).
    offsets: tuple[int, ...] | None = None

    @classmethod
    def of(cls, text: str) -> Folded:
        if text.isascii():
            return cls(text, text.lower())
        folded, others = _fold(text)
        if len(folded) == len(text) and _TABLE.irregular.isdisjoint(others):
            return cls(text, folded)
        offsets: list[int] = []
        for index, char in enumerate(text):
            offsets.extend([index] * len(_TABLE[ord(char)]))
        offsets.append(len(text))
        return cls(text, folded, tuple(offsets))

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that folded into ``folded[start:end]``."""
        if self.offsets is None:
            return start, end
        if end <= start:
            point = self.offsets[start]
            return point, point
        stop = self.offsets[end - 1] + 1
        while stop < len(self.text) and not _TABLE[ord(self.text[stop])]:
            stop += 1  # keep the accents that follow the last letter ("e\u0301")
        return self.offsets[start], stop
