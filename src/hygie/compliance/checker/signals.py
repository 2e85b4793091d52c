"""Detectors the catalog's triggers name (``any_signal``) that the text itself can answer, the
tone score behind "tact et mesure", and a small language guess. Pure functions, no Django."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from hygie.compliance.rules.catalog import fold

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:fr|com|eu|org|net|shop)/\S*")
_POSSESSIVE = re.compile(r"(?:^|\W)(?:votre|vos|ton|tes|your)\s+$")
_LIST_LINE = re.compile(r"^\s*(?:[-*•▪▸►✔✅☑➡→]|\d+[.)]|\W\ufe0f?)\s*\S", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]+")
_EXCLAMATION_RUN = re.compile(r"[!‼❗❕]{2,}|‼|❗")

#: Frequent short words of each language, folded.
_FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "du",
        "de",
        "et",
        "est",
        "sont",
        "pour",
        "pas",
        "vous",
        "nous",
        "votre",
        "vos",
        "avec",
        "dans",
        "sur",
        "au",
        "aux",
        "ce",
        "cette",
        "ces",
        "qui",
        "que",
        "en",
        "il",
        "elle",
        "ne",
        "plus",
        "par",
        "chez",
        "notre",
        "nos",
        "merci",
        "bonjour",
    ]
)
_ENGLISH = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "is",
        "are",
        "for",
        "not",
        "you",
        "we",
        "your",
        "our",
        "with",
        "in",
        "on",
        "at",
        "this",
        "that",
        "these",
        "who",
        "which",
        "it",
        "be",
        "to",
        "of",
        "from",
        "by",
        "thanks",
        "thank",
        "hello",
        "please",
    ]
)


def urls(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _URL.finditer(text)]


def inside(span: tuple[int, int], areas: Iterable[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in areas)


def possessive_before(text: str, start: int) -> bool:
    """Whether "votre/vos/your" stands right before ``text[start:]`` ("votre Doliprane")."""
    before = fold(text[max(0, start - 12) : start]).rstrip("#@")
    return bool(_POSSESSIVE.search(before))


def hashtag_before(text: str, start: int) -> bool:
    return start > 0 and text[start - 1] == "#"


def symptom_checklist(text: str, symptom_spans: Sequence[tuple[int, int]]) -> bool:
    """Three or more list lines, at least two of them naming a symptom or a disease: the shape
    of a self-diagnosis checklist ("✅ fatigue ✅ soif ✅ … ➡ vous êtes peut-être diabétique")."""
    lines = [match.start() for match in _LIST_LINE.finditer(text)]
    if len(lines) < 3:
        return False
    ends = [text.find("\n", start) for start in lines]
    ranges = [
        (start, end if end >= 0 else len(text)) for start, end in zip(lines, ends, strict=True)
    ]
    with_symptom = sum(1 for line in ranges if any(inside(span, [line]) for span in symptom_spans))
    return with_symptom >= 2


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" and ord(char) > 0x2000


def tone_score(text: str, *, hype_hits: int = 0) -> float:
    """How loud a text is, from 0 (sober) to 1 (shouting): runs of exclamation marks, words in
    capitals, emoji density and the emphasis lexicon's hits, each capped so that no single
    habit (one emoji, one acronym) makes a text loud. Used for FR-PHARMA-02's "tact et mesure":
    the signal ``sensational_tone`` is set from :data:`TONE_THRESHOLD`."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    capitals = sum(1 for word in words if len(word) >= 3 and word.isupper())
    emojis = sum(1 for char in text if _is_emoji(char))
    exclamations = len(_EXCLAMATION_RUN.findall(text))
    score = (
        min(capitals / max(len(words), 8) * 2.5, 0.4)
        + min(emojis / max(len(words), 10) * 2.0, 0.3)
        + min(exclamations * 0.12, 0.3)
        + min(hype_hits * 0.1, 0.2)
    )
    if capitals >= 2 and emojis >= 2 and exclamations >= 1:
        score += 0.1
    return round(min(score, 1.0), 3)


TONE_THRESHOLD = 0.5


def guess_language(folded: str) -> str:
    """``fr`` or ``en`` from the frequent short words (French when it cannot tell)."""
    french = english = 0
    for word in _WORD.findall(folded):
        if word in _FRENCH:
            french += 1
        elif word in _ENGLISH:
            english += 1
    return "en" if english > french else "fr"
