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


#: The person's own possessive right before a condition ("votre eczéma", "your psoriasis"; an
#: adjective may stand between: "votre petite cystite"). Not "vos conseils rhume".
_PERSON_POSSESSIVE = re.compile(
    r"(?:^|\W)(?:votre|vos|ton|ta|tes|your)\s+(?:(?:petite?s?|vieille?s?|vieux|nouvelle?s?"
    r"|fameuse?s?|fameux|gros|grosse?s?|little|old|new)\s+)?$"
)
#: A relative's possessive ("son asthme", "his diarrhoea"): only when a relative of the person
#: is named in the thread ("mon fils", "votre fille", "my son"); otherwise "chacun apprend à
#: gérer son diabète", "l'hiver et ses rhumes" speak of no one.
_RELATIVE_POSSESSIVE = re.compile(r"(?:^|\W)(?:son|sa|ses|his|her)\s+$")
_RELATIVE = re.compile(
    r"\b(?:mon|ma|mes|my|votre|vos|your|notre|our)\s+(?:fils|fille|mari|femme|epouse"
    r"|conjointe?|compagne?|enfants?|bebe|pere|mere|papa|maman|grand-mere|grand-pere|mamie"
    r"|papi|son|daughter|husband|wife|partner|mum|mom|mother|dad|father|baby|child|kids?)\b"
)
#: A condition in a conditional or a request, in its own clause, addresses anyone or asks ("si
#: votre eczéma s'aggrave", "indiquez vos allergies éventuelles", "if your asthma").
_CONDITIONAL = re.compile(
    r"\b(?:si|s.il|if|en\s+cas\s+de|when|quand|lorsque|whether|indiquez|precisez|signalez"
    r"|mentionnez|tell\s+us|let\s+us\s+know)\b[^.!?\n,;:]*$"
)
_ASKED_AFTER = re.compile(r"^\W*(?:eventuel(?:le)?s?|if\s+any)\b")
#: The parent describes the person's health (symptoms): naming the condition in the reply is a
#: diagnosis or a repetition (FR-PHARMA-08, DATA-01), not the disclosure of something unsaid.
_DESCRIBED = re.compile(
    r"\b(?:mal\s+(?:a|au|aux)|douleurs?|souffre\w*|tousse\w*|toux|fievre|nez|gorge|gratte\w*"
    r"|demange\w*|plaques|boutons|rougeurs?|eternu\w*|sneez\w*|cough\w*|fever|pain|ache\w*"
    r"|itch\w*|rash|sore|symptoms?|symptomes?)\b"
)
#: Measurements and values are not conditions ("prendre votre tension").
_NOT_A_CONDITION = frozenset({"tension", "glycemie"})
#: How far before a condition its possessive and its conditional are looked for.
_POSSESSIVE_WINDOW = 24
_CLAUSE_WINDOW = 60


def revealed_conditions(
    text: str,
    conditions: Sequence[tuple[int, int]],
    parent: str,
    excused: Sequence[tuple[int, int]],
    *,
    parent_conditions: bool = False,
) -> list[tuple[int, int]]:
    """The conditions a reply attributes to the person answered (or to a relative the thread
    names) that the person did not state ("la crème prescrite pour votre impétigo" under a
    review about "une crème qui ne marche pas", "his diarrhoea" under "for my son").

    ``conditions`` are the reply's disease-term spans in ``text``. Nothing
    is revealed when the parent is unknown (empty), names a condition itself
    (``parent_conditions``) or describes symptoms (repeating or naming what they described is
    DATA-01 alone, or a diagnosis: FR-PHARMA-08), when a
    word of the condition begins a word of the parent ("enrhumée" … "votre rhume"), when the
    condition is in a conditional or a request, or inside an ``excused`` span."""
    if not parent.strip() or parent_conditions:
        return []
    folded_parent = fold(parent)
    if _DESCRIBED.search(folded_parent):
        return []
    parent_words = _WORD.findall(folded_parent)
    relative = bool(_RELATIVE.search(folded_parent) or _RELATIVE.search(fold(text)))
    found = []
    for start, end in conditions:
        if inside((start, end), excused):
            continue
        before = _fold(text[max(0, start - _POSSESSIVE_WINDOW) : start])
        if not (
            _PERSON_POSSESSIVE.search(before) or (relative and _RELATIVE_POSSESSIVE.search(before))
        ):
            continue
        if _CONDITIONAL.search(_fold(text[max(0, start - _CLAUSE_WINDOW) : start])):
            continue
        if _ASKED_AFTER.search(_fold(text[end : end + 16])):
            continue
        words = [w for w in _WORD.findall(_fold(text[start:end])) if len(w) > 3]
        if not words or words[0] in _NOT_A_CONDITION:
            continue
        if any(word[:4] in said for word in words for said in parent_words):
            continue
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
