"""pytest fixtures for the loopback peers.

``bluesky_peer`` starts one real Bluesky network (PDS + AppView, see ``bluesky.py``) for the
whole session and stops it at the end. Tests using it should be marked ``@pytest.mark.bluesky``.
``tests/conftest.py`` registers it once for the whole suite (registering it in several conftest
files or modules would start one network for each, on the same ports).
The fixture does not touch Django's test database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .bluesky import DEFAULT_PORT_BASE, BlueskyPeer


@pytest.fixture(scope="session")
def bluesky_peer() -> Iterator[BlueskyPeer]:
    """A started BlueskyPeer; ports from HYGIE_BSKY_PORT_BASE (default 2582)."""
    port_base = int(os.environ.get("HYGIE_BSKY_PORT_BASE", DEFAULT_PORT_BASE))
    with BlueskyPeer(port_base) as peer:
        yield peer
