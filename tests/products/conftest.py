"""Shared fixtures of the product dictionary tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hygie.products import dictionary

FIXTURE = Path(__file__).resolve().parent / "data" / "bdpm"


@pytest.fixture(autouse=True)
def _fresh_lexicon_cache() -> Iterator[None]:
    dictionary.clear_cache()
    yield
    dictionary.clear_cache()


@pytest.fixture
def bdpm_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture folder, for tests that change or break a file."""
    target = tmp_path / "bdpm"
    shutil.copytree(FIXTURE, target)
    return target
