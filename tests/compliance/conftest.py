"""What several compliance test modules share: the checker with the catalog's rules alone, and
the reading of lexicon matches as (surface, name) pairs."""

from __future__ import annotations

import pytest

from hygie.compliance.checker import Checker
from hygie.compliance.lexicon.matcher import ProductMention


@pytest.fixture(scope="module")
def rules_only() -> Checker:
    """The catalog's triggers alone: the examples document them (the learned model is
    measured on the evaluation sets instead)."""
    return Checker(learned=False)


def spans(text: str, mentions: list[ProductMention]) -> list[tuple[str, str]]:
    """(surface, name) pairs, checking that every span points into the original text."""
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface
    return [(m.surface, m.name) for m in mentions]
