"""The process's triagers: one per pair of thresholds, built once (models load in ~1 s)."""

from __future__ import annotations

from functools import lru_cache

from hygie.nlp.pipeline import Triager, default_triager


@lru_cache(maxsize=32)
def triager_for(ae_threshold: float | None, abuse_threshold: float | None) -> Triager:
    if ae_threshold is None and abuse_threshold is None:
        return default_triager()
    base = default_triager()
    return Triager(
        ae_threshold=ae_threshold,
        abuse_threshold=abuse_threshold,
        products=base.products,
        lexicons=base.lexicons,
        models=base.models,
    )


def warm_up() -> None:
    """Load the lexicons and models before the first message (called at worker start)."""
    default_triager().triage("Bonjour")
