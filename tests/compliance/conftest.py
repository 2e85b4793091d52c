"""What several compliance test modules share: the checker with the catalog's rules alone."""

from __future__ import annotations

import pytest

from hygie.compliance.checker import Checker


@pytest.fixture(scope="module")
def rules_only() -> Checker:
    """The catalog's triggers alone: the examples document them (the learned model is
    measured on the evaluation sets instead)."""
    return Checker(learned=False)
