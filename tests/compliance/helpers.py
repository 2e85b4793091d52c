"""Helpers shared by the lexicon test modules."""

from __future__ import annotations

from hygie.compliance.lexicon.matcher import ProductMention


def spans(text: str, mentions: list[ProductMention]) -> list[tuple[str, str]]:
    """(surface, name) pairs, checking that every span points into the original text."""
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface
    return [(m.surface, m.name) for m in mentions]
