"""Provider test fixtures: the loopback fake network."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.providers.fakenet import FakeNetwork, fake_network


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network
