"""Folded text with a way back to the original offsets.

The catalog's lexicons are matched against :func:`hygie.compliance.rules.fold` of the text
(case-folded, accents removed, ligatures expanded, typographic marks made ASCII), but findings
must point at the author's own characters. :class:`Folded` folds a text character by character
(the same result as ``fold(text)`` up to the order of dropped combining marks) and maps a span
of the folded text back to the original.

Fast: one ``str.translate`` through a process-wide table filled lazily, so the Python-level
work per text is proportional to its *distinct* characters, not its length. Only a text with a
character whose folded form is not exactly one character (``œ`` → ``oe``, a decomposed accent
→ nothing, ``ß`` → ``ss``) pays for an offset table.
"""

from __future__ import annotations

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
        folded = text.translate(_TABLE)
        if len(folded) == len(text) and _TABLE.irregular.isdisjoint(set(text)):
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
