"""The real peers, started once per test session for every test of this folder."""

from .fixtures import bluesky_peer

__all__ = ["bluesky_peer"]
