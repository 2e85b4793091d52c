"""Detectors the catalog's triggers name (``any_signal``) that the text itself can answer, the
tone score behind "tact et mesure", and a small language guess. Pure functions, no Django."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import repeat

from hygie.compliance.rules.catalog import fold

#: :func:`fold` of the short stretches of text around a hit (the same few words recur).
_fold = lru_cache(maxsize=16_384)(fold)

#: Links: a scheme or "www.", or a domain of a usual top-level (found by its ending, which the
#: regex engine looks for fast, then widened to the whole address). Written to begin with a
#: character class (the branch is chosen by the character just read) so that the regex engine
#: skips, in C, to the next "h", "w" or ".": the same matches as
#: ``(?:https?://|www\.)\S+|\.(?:fr|com|eu|org|net|shop)\b\S*``.
_URL_START = re.compile(
    r"[hw.](?:(?<=h)ttps?://\S+|(?<=w)ww\.\S+|(?<=\.)(?:fr|com|eu|org|net|shop)\b\S*)"
)
_ADDRESS_CHAR = re.compile(r"[\w.\-]")
_POSSESSIVE = re.compile(r"(?:^|\W)(?:votre|vos|ton|tes|your)\s+$")
_LIST_LINE = re.compile(r"^\s*(?:[-*•▪▸►✔✅☑➡→]|\d+[.)]|\W\ufe0f?)\s*\S", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]+")
#: Words sharing their first five letters are one word ("diabète", "diabétique").
_STEM = 5
#: ``!!+|[‼❗]|[!❕][!❕‼❗]+`` (the same matches), written to begin with a character class so
#: that the regex engine skips to the next exclamation mark in C.
_EXCLAMATION_RUN = re.compile(
    r"[!‼❗❕](?:(?<=!)(?:!+|[❕‼❗][!❕‼❗]*)|(?<=[‼❗])|(?<=❕)[!❕‼❗]+)"
)

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
    found: list[tuple[int, int]] = []
    for match in _URL_START.finditer(text):
        start, end = match.span()
        if match.group()[0] == ".":
            while start > 0 and _ADDRESS_CHAR.match(text[start - 1]):
                start -= 1
            if start == match.start():
                continue
        found.append((start, end))
    return found


def inside(span: tuple[int, int], areas: Iterable[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in areas)


def possessive_before(text: str, start: int) -> bool:
    """Whether "votre/vos/your" stands right before ``text[start:]`` ("votre Doliprane")."""
    before = _fold(text[max(0, start - 12) : start]).rstrip("#@")
    return bool(_POSSESSIVE.search(before))


#: A possessive of the person answered or of their relative, one word at most before a
#: condition ("votre eczéma", "son asthme", "his diarrhoea"; not "leur": other customers).
_PERSON_POSSESSIVE = re.compile(
    r"(?:^|\W)(?:votre|vos|ton|ta|tes|son|sa|ses|your|his|her)\s+"
    r"(?:[^\W\d_]+\s+)?$"
)
#: A condition in a conditional or a request addresses anyone or asks ("si votre eczéma
#: s'aggrave", "indiquez vos allergies éventuelles", "tell us about any allergies").
_CONDITIONAL = re.compile(
    r"\b(?:si|s'il|if|en\s+cas\s+de|when|quand|lorsque|whether|indiquez|precisez|signalez"
    r"|mentionnez|dites|notez|tell|let\s+us\s+know|list|any)\b[^.!?\n]*$"
)
_ASKED_AFTER = re.compile(r"^\W*(?:eventuel(?:le)?s?|if\s+any|eventually)\b")


def revealed_conditions(
    text: str,
    conditions: Sequence[tuple[int, int]],
    parent: str,
    excused: Sequence[tuple[int, int]],
) -> list[tuple[int, int]]:
    """The conditions a reply attributes to the person answered ("la crème prescrite pour
    votre impétigo", "his diarrhoea") that they did not state themselves: a possessive right
    before the condition, no "if" before it in its sentence, no word of the parent beginning
    like it (the parent said "diabétique", the reply "votre diabète": repeated, not revealed)
    and not inside an ``excused`` span (a request for details)."""
    told = {word[:_STEM] for word in _WORD.findall(_fold(parent))}
    found = []
    for start, end in conditions:
        if inside((start, end), excused):
            continue
        if not _PERSON_POSSESSIVE.search(_fold(text[max(0, start - 24) : start])):
            continue
        if _CONDITIONAL.search(_fold(text[max(0, start - 60) : start])):
            continue
        if _ASKED_AFTER.search(_fold(text[end : end + 16])):
            continue
        words = _WORD.findall(_fold(text[start:end]))
        if words and words[0][:_STEM] not in told:
            found.append((start, end))
    return found


#: A sentence end: an adverse event and its exposure are reported in the same sentence.
_SENTENCE_END = re.compile(r"[.!?\n]\s")


def near(
    spans: Sequence[tuple[int, int]],
    others: Sequence[tuple[int, int]],
    text: str,
    *,
    distance: int = 80,
) -> bool:
    """Whether a span of ``spans`` and one of ``others`` stand within ``distance`` characters of
    each other in the same sentence (no sentence end between them)."""
    for start, end in spans:
        for other_start, other_end in others:
            left, right = (end, other_start) if end <= other_start else (other_end, start)
            if right - left <= distance and not _SENTENCE_END.search(text, left, max(left, right)):
                return True
    return False


#: A negation just before a verb ("ne traite", "n'agit", "does not treat", "won't cure")…
_NEGATED_BEFORE = re.compile(
    r"(?:\bne\s+(?:(?:le|la|les|l'|vous|te|se|s'|nous|y|en)\s*)?|\bn'\s*"
    r"|\b(?:not|never|no longer|cannot|can't|won't|doesn't|don't|isn't|didn't)\s+(?:\w+\s+)?"
    # Not made for it: "it isn't designed to treat acne", "n'est pas conçu pour traiter".
    r"|\b(?:not|never|isn't|aren't|wasn't)\s+(?:designed|meant|intended|made|supposed)\s+to\s+"
    r"|\bn'\s*(?:est|sont)\s+pas\s+(?:fait|faite|faits|faites|concue?s?|destinee?s?)\s+pour\s+"
    # The subject denies it: "no supplement (can) cure", "nothing cures" (French says "ne").
    r"|\bno\s+\w+\s+(?:\w+\s+)?(?:can|could|will|would|may|might)\s+(?:ever\s+|really\s+)?"
    r"|\bno\s+\w+\s+|\b(?:nothing|none)\s+(?:(?:can|could|will|would)\s+)?)$"
)
#: …or just after it ("traite pas", "soigne plus", "guérit jamais").
_NEGATED_AFTER = re.compile(r"^\s*(?:pas|plus|jamais|point|nullement|en rien)\b")
_CLAUSE_END = re.compile(r"[.!?\n]")


def asserted(text: str, span: tuple[int, int]) -> bool:
    """Whether the verb at ``span`` is asserted: not negated ("ne traite pas", "doesn't cure")
    and not inside a question ("ce complément soigne-t-il l'arthrose ?"). A claim is a
    statement; warnings and questions use the same verbs."""
    start, end = span
    before = _fold(text[max(0, start - 24) : start])
    if _NEGATED_BEFORE.search(before):
        return False
    if _NEGATED_AFTER.match(_fold(text[end : end + 14])):
        return False
    stop = _CLAUSE_END.search(text, end)
    return stop is None or stop.group() != "?"


def hashtag_before(text: str, start: int) -> bool:
    return start > 0 and text[start - 1] == "#"


def symptom_checklist(text: str, symptom_spans: Sequence[tuple[int, int]]) -> bool:
    """Three or more list lines, at least two of them naming a symptom or a disease: the shape
    of a self-diagnosis checklist ("✅ fatigue ✅ soif ✅ … ➡ vous êtes peut-être diabétique")."""
    if text.count("\n") < 2:
        return False  # a list line begins the text or follows a newline: at most two here
    lines = [match.start() for match in _LIST_LINE.finditer(text)]
    if len(lines) < 3:
        return False
    ends = [text.find("\n", start) for start in lines]
    ranges = [
        (start, end if end >= 0 else len(text)) for start, end in zip(lines, ends, strict=True)
    ]
    with_symptom = sum(1 for line in ranges if any(inside(span, [line]) for span in symptom_spans))
    return with_symptom >= 2


#: Pictographs: symbols, dingbats, emoji blocks (not letters, digits or punctuation).
_EMOJI = re.compile("[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]")


#: Words of three capitals or more (the class first lets the regex engine skip fast; a run
#: that starts inside a word is ignored by the caller's count being approximate). ``X{3,}``
#: written ``XX{2,}``: a pattern that begins with a repeat gets no fast skip.
_CAPITALS = re.compile(r"[A-ZÀ-ÖØ-ÞŒ][A-ZÀ-ÖØ-ÞŒ]{2,}(?!\w)")


def tone_score(text: str, word_count: int, *, hype_hits: int = 0) -> float:
    """How loud a text is, from 0 (sober) to 1 (shouting): runs of exclamation marks, words in
    capitals, emoji density and the emphasis lexicon's hits, each capped so that no single
    habit (one emoji, one acronym) makes a text loud. Used for FR-PHARMA-02's "tact et mesure":
    the signal ``sensational_tone`` is set from :data:`TONE_THRESHOLD`."""
    if not word_count:
        return 0.0
    capitals = len(_CAPITALS.findall(text))
    emojis = len(_EMOJI.findall(text))
    exclamations = len(_EXCLAMATION_RUN.findall(text))
    score = (
        min(capitals / max(word_count, 8) * 2.5, 0.4)
        + min(emojis / max(word_count, 10) * 2.0, 0.3)
        + min(exclamations * 0.12, 0.3)
        + min(hype_hits * 0.1, 0.2)
    )
    if capitals >= 2 and emojis >= 2 and exclamations >= 1:
        score += 0.1
    return round(min(score, 1.0), 3)


TONE_THRESHOLD = 0.5


#: +1 for a frequent French word, -1 for a frequent English one (0 for a word of both).
_LANGUAGE_VOTE = {word: (word in _FRENCH) - (word in _ENGLISH) for word in _FRENCH | _ENGLISH}


def guess_language(words: Sequence[str]) -> str:
    """``fr`` or ``en`` from the frequent short words of the folded text (French when it
    cannot tell)."""
    # French words minus English words, in one pass: English when negative.
    return "en" if sum(map(_LANGUAGE_VOTE.get, words, repeat(0))) < 0 else "fr"
