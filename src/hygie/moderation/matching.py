"""Does a message match a moderation rule? Pure Python (no Django).

Words and phrases are matched the way the compliance lexicons are (``catalog.fold`` and
``catalog.phrase_pattern``): case, accents, ligatures and typographic punctuation do not
matter, and only whole words match ("con" does not match "conseil"). A regular expression is
searched in the text as received, case ignored, with the ``regex`` module and a time limit, so a
badly written expression cannot stall the worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import regex  # type: ignore[import-untyped]

from hygie.compliance.rules.catalog import fold, phrase_pattern

MAX_PHRASES = 500
MAX_REGEX = 500
MAX_TEXT = 20_000  # characters of a message looked at
REGEX_TIMEOUT = 0.1  # seconds per message


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation (``makemessages`` extracts it); return it unchanged."""
    return message


class RuleError(ValueError):
    """The rule's words or expression cannot be used; the message says why.

    ``message`` is the English text, marked for translation, and ``params`` fill its
    ``%(name)s`` placeholders: this module does not import Django, so the caller translates
    (``gettext(error.message) % error.params``). ``str(error)`` is the English text, filled in.
    """

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Matcher:
    kind: str  # "words" | "regex"
    phrases: tuple[tuple[str, re.Pattern[str]], ...] = ()
    expression: Any = None  # a compiled ``regex`` pattern

    def find(self, text: str) -> str | None:
        """The fragment that matched (a listed phrase, or the expression's match), else None."""
        text = text[:MAX_TEXT]
        if self.expression is not None:
            try:
                found = self.expression.search(text, timeout=REGEX_TIMEOUT)
            except TimeoutError:
                return None
            if found is None:
                return None
            return found.group(0)[:200] or "…"  # an empty match still matched
        folded = fold(text)
        for phrase, pattern in self.phrases:
            if pattern.search(folded):
                return phrase[:200]
        return None


def phrases_of(pattern: str) -> list[str]:
    """The non-empty lines of a words rule."""
    return [line.strip() for line in pattern.splitlines() if line.strip()]


def compile_rule(kind: str, pattern: str) -> Matcher:
    """A matcher for the rule, or RuleError."""
    if kind == "regex":
        source = pattern.strip()
        if not source:
            raise RuleError(gettext_noop("The expression is empty."))
        if len(source) > MAX_REGEX:
            raise RuleError(
                gettext_noop("The expression is longer than %(max)d characters."), max=MAX_REGEX
            )
        try:
            compiled = regex.compile(source, regex.IGNORECASE | regex.V0)
        except regex.error as exc:
            raise RuleError(
                gettext_noop("The expression is not valid: %(error)s"), error=str(exc)
            ) from None
        if compiled.search("", timeout=REGEX_TIMEOUT) is not None:
            raise RuleError(
                gettext_noop("The expression matches an empty text: it would match every message.")
            )
        return Matcher("regex", expression=compiled)
    if kind != "words":
        raise RuleError(gettext_noop("Unknown kind of rule: %(kind)s"), kind=kind)
    lines = phrases_of(pattern)
    if not lines:
        raise RuleError(gettext_noop("Give at least one word or phrase."))
    if len(lines) > MAX_PHRASES:
        raise RuleError(
            gettext_noop("A rule has at most %(max)d words or phrases."), max=MAX_PHRASES
        )
    compiled_phrases = []
    for line in lines:
        try:
            compiled_phrases.append((line, phrase_pattern(line)))
        except ValueError:
            raise RuleError(
                gettext_noop("“%(line)s” has no letter or digit to match."), line=line
            ) from None
    return Matcher("words", phrases=tuple(compiled_phrases))
