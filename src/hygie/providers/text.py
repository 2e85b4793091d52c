"""Post length as each network counts it, and Bluesky rich-text facets.

Pure Python (no Django): every offset is a Python ``str`` index (a code point) unless a function
says it works in UTF-8 bytes, as Bluesky facets do.

Sources:

* Unicode grapheme clusters: UAX #29, https://www.unicode.org/reports/tr29/
* X: twitter-text v3 configuration (``config/v3.json``) and "Counting characters",
  https://developer.x.com/en/docs/counting-characters
* Mastodon: ``app/validators/status_length_validator.rb`` in mastodon/mastodon.
* Bluesky: lexicons ``app.bsky.feed.post`` (300 graphemes, 3000 bytes) and
  ``app.bsky.richtext.facet``; https://docs.bsky.app/docs/advanced-guides/post-richtext
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import regex  # type: ignore[import-untyped]

_GRAPHEME = regex.compile(r"\X")

# A URL starts with http(s):// not glued to a word, and runs up to whitespace or a character
# that cannot appear raw in a URL (quotes, angle brackets, guillemets).
_URL = regex.compile(r"""(?<![\p{L}\p{N}_])(?i:https?)://[^\s<>"«»“”‹›]+""")
# Characters that end a sentence rather than the URL before them.
_URL_TRAILING = frozenset(".,;:!?)»\"'’”")
_WORD_CHAR = regex.compile(r"[\p{L}\p{N}]")

# twitter-text v3: code points in these ranges weigh 1 (100 / scale 100), all others 2.
_X_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_X_URL_LENGTH = 23
_X_EMOJI_WEIGHT = 2
_VARIATION_SELECTOR_16 = "\ufe0f"
_KEYCAP = "\u20e3"
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_EMOJI_PRESENTATION = regex.compile(r"\p{Emoji_Presentation}|\p{Regional_Indicator}")

# Mastodon: a remote mention @user@domain counts as @user (MENTION_RE and USERNAME_RE).
_MASTODON_REMOTE_MENTION = regex.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)@[\w.-]+\w", regex.IGNORECASE
)

# Bluesky: handles are domain names (atproto "Handle" syntax); tags are letters, digits and _.
_BSKY_MENTION = regex.compile(
    r"(?:(?<=[\s(])|^)@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)(?![\w-]|\.\w)",
    regex.IGNORECASE,
)
_BSKY_TAG = regex.compile(r"(?:(?<=\s)|^)[#＃]([\p{L}\p{M}\p{N}_]+)")
_BSKY_TAG_MAX_GRAPHEMES = 64
_LETTER = regex.compile(r"\p{L}")

Facet = dict[str, Any]
Counter = Literal["graphemes", "x_weighted", "mastodon", "characters"]


def graphemes(text: str) -> int:
    """Number of user-perceived characters (extended grapheme clusters, UAX #29).

    Bluesky's ``app.bsky.feed.post`` lexicon limits ``text`` to 300 graphemes (and 3000 UTF-8
    bytes); Mastodon's StatusLengthValidator counts grapheme clusters too.
    """
    return len(_GRAPHEME.findall(text))


def utf8_len(text: str) -> int:
    """Length in UTF-8 bytes (Bluesky's ``maxLength`` and facet offsets are in bytes)."""
    return len(text.encode("utf-8", "surrogatepass"))


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` of every http(s) URL, in code-point offsets.

    Trailing sentence punctuation (``.,;:!?)»"'``) is not part of the URL, except a closing
    parenthesis that balances an opening one inside it (``…/wiki/Paris_(France)``), as in
    twitter-text's extractor and Bluesky's ``detectFacets``. Bare domains are not detected.
    """
    found: list[tuple[int, int, str]] = []
    for match in _URL.finditer(text):
        url: str = match.group()
        while url and url[-1] in _URL_TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if not _WORD_CHAR.search(url, url.index("://") + 3):
            continue
        start = match.start()
        found.append((start, start + len(url), url))
    return found


def _x_code_point_weight(char: str) -> int:
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in _X_LIGHT_RANGES) else 2


def _is_emoji(cluster: str) -> bool:
    """Whether a grapheme cluster is an emoji sequence twitter-text counts as one unit.

    Multi-code-point sequences (ZWJ families, skin tones, flags, keycaps, ``❤️``) and emoji-style
    pictographs are; a lone text-style symbol such as ``©`` is weighed as an ordinary character.
    """
    if _KEYCAP in cluster:
        return True
    if not _PICTOGRAPHIC.search(cluster):
        return False
    return (
        len(cluster) > 1
        or _VARIATION_SELECTOR_16 in cluster
        or bool(_EMOJI_PRESENTATION.search(cluster))
    )


def _x_plain_weight(text: str) -> int:
    total = 0
    for cluster in _GRAPHEME.findall(text):
        if _is_emoji(cluster):
            total += _X_EMOJI_WEIGHT
        else:
            total += sum(_x_code_point_weight(char) for char in cluster)
    return total


def x_weighted_length(text: str) -> int:
    """Weighted length of a post on X (twitter-text v3, limit 280).

    The text is NFC-normalised; code points in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and
    U+2032–U+2037 weigh 1, all others (CJK, most emoji…) 2; every URL weighs 23 whatever its
    length (t.co wrapping) and every emoji sequence weighs 2 as a whole.
    """
    normalized = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for start, end, _url in find_urls(normalized):
        total += _x_plain_weight(normalized[position:start]) + _X_URL_LENGTH
        position = end
    return total + _x_plain_weight(normalized[position:])


def mastodon_length(text: str, url_length: int = 23) -> int:
    """Length of a status on Mastodon (limit 500 by default, per instance).

    As ``StatusLengthValidator#countable_text``: every URL counts ``url_length`` characters
    (the instance's ``configuration.statuses.characters_reserved_per_url``), a remote mention
    ``@user@domain.tld`` counts as ``@user``, and the result is counted in grapheme clusters.
    """
    pieces: list[str] = []
    position = 0
    for start, end, _url in find_urls(text):
        pieces.append(_MASTODON_REMOTE_MENTION.sub(r"@\1", text[position:start]))
        pieces.append("x" * url_length)
        position = end
    pieces.append(_MASTODON_REMOTE_MENTION.sub(r"@\1", text[position:]))
    return graphemes("".join(pieces))


def _byte_offsets(text: str) -> list[int]:
    """UTF-8 byte offset of every code-point offset of ``text`` (``len(text) + 1`` entries)."""
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + utf8_len(char))
    return offsets


def _facet(byte_start: int, byte_end: int, feature: dict[str, str]) -> Facet:
    return {"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]}


def bluesky_facets(
    text: str, resolve_handle: Callable[[str], str | None] | None = None
) -> list[Facet]:
    """Rich-text facets of a Bluesky post (``app.bsky.richtext.facet``), sorted by byteStart.

    Offsets are UTF-8 bytes, end exclusive, per the lexicon. Links are http(s) URLs
    (``find_urls``). Mentions ``@handle.domain`` (at the start, after whitespace or "(") become
    ``#mention`` facets only when ``resolve_handle`` (given the lower-cased handle) returns a
    DID; unresolved handles stay plain text. Tags ``#tag`` (at the start or after whitespace)
    are letters, marks, digits and ``_`` with at least one letter, 64 graphemes at most
    (lexicon ``maxGraphemes``); the facet's ``tag`` has no ``#``. Nothing inside a URL is a
    mention or a tag.
    """
    offsets = _byte_offsets(text)
    spans: list[tuple[int, int, dict[str, str]]] = []
    for start, end, url in find_urls(text):
        spans.append((start, end, {"$type": "app.bsky.richtext.facet#link", "uri": url}))
    links = [(start, end) for start, end, _feature in spans]

    def inside_link(start: int, end: int) -> bool:
        return any(start < link_end and link_start < end for link_start, link_end in links)

    if resolve_handle is not None:
        resolved: dict[str, str | None] = {}
        for match in _BSKY_MENTION.finditer(text):
            start, end = match.span()
            if inside_link(start, end):
                continue
            handle = match.group(1).lower()
            if handle not in resolved:
                resolved[handle] = resolve_handle(handle)
            did = resolved[handle]
            if did:
                spans.append((start, end, {"$type": "app.bsky.richtext.facet#mention", "did": did}))

    for match in _BSKY_TAG.finditer(text):
        start, end = match.span()
        tag: str = match.group(1)
        if inside_link(start, end) or not _LETTER.search(tag):
            continue
        if graphemes(tag) > _BSKY_TAG_MAX_GRAPHEMES:
            continue
        spans.append((start, end, {"$type": "app.bsky.richtext.facet#tag", "tag": tag}))

    spans.sort(key=lambda span: span[0])
    return [_facet(offsets[start], offsets[end], feature) for start, end, feature in spans]


@dataclass(frozen=True)
class LengthRule:
    """A network's text limit: ``max_length`` units of ``counter``, optionally ``max_bytes``.

    Counters: ``graphemes`` (Bluesky), ``x_weighted`` (X), ``mastodon`` (Mastodon, URLs as 23),
    ``characters`` (code points).
    """

    max_length: int
    counter: Counter
    max_bytes: int | None = None


def measure(text: str, rule: LengthRule) -> int:
    """Length of ``text`` in the units of ``rule.counter``."""
    if rule.counter == "graphemes":
        return graphemes(text)
    if rule.counter == "x_weighted":
        return x_weighted_length(text)
    if rule.counter == "mastodon":
        return mastodon_length(text)
    if rule.counter == "characters":
        return len(text)
    raise ValueError(f"Unknown length counter: {rule.counter!r}")


def fits(text: str, rule: LengthRule) -> bool:
    """Whether ``text`` is within both the rule's length and, if any, its UTF-8 byte limit."""
    if measure(text, rule) > rule.max_length:
        return False
    return rule.max_bytes is None or utf8_len(text) <= rule.max_bytes
