"""pytest fixtures for the loopback peers.

``bluesky_peer`` starts one real Bluesky network (PDS + AppView, see ``bluesky.py``) for the
whole session and stops it at the end. Tests using it should be marked ``@pytest.mark.bluesky``.
``tests/conftest.py`` registers it once for the whole suite (registering it in several conftest
files or modules would start one network for each, on the same ports).
``matrix_peer`` starts one Synapse homeserver (see ``matrix.py``) for the whole session; tests
using it are marked ``@pytest.mark.matrix``.
``mail_peer`` starts one Dovecot IMAP server (see ``mail.py``); tests using it are marked
``@pytest.mark.mail``.
The fixtures do not touch Django's test database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .bluesky import DEFAULT_PORT_BASE, BlueskyPeer
from .mail import DovecotPeer
from .matrix import MatrixPeer


@pytest.fixture(scope="session")
def bluesky_peer() -> Iterator[BlueskyPeer]:
    """A started BlueskyPeer; ports from HYGIE_BSKY_PORT_BASE (default 2582)."""
    port_base = int(os.environ.get("HYGIE_BSKY_PORT_BASE", DEFAULT_PORT_BASE))
    with BlueskyPeer(port_base) as peer:
        yield peer


@pytest.fixture(scope="session")
def matrix_peer() -> Iterator[MatrixPeer]:
    """A started Synapse on a free 127.0.0.1 port, with SQLite, for the whole session."""
    with MatrixPeer() as peer:
        yield peer


@pytest.fixture(scope="session")
def mail_peer() -> Iterator[DovecotPeer]:
    """A started Dovecot (IMAP only) on a free 127.0.0.1 port, for the whole session."""
    with DovecotPeer() as peer:
        yield peer
