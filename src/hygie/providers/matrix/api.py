"""What every Matrix call shares: the client-server API prefix and path escaping."""

from __future__ import annotations

from urllib.parse import quote

from hygie.providers.versions import API_VERSIONS

CLIENT = f"/_matrix/client/{API_VERSIONS['matrix']}"


def segment(value: str) -> str:
    """A room id, event id or user id as one path segment (``!``, ``$``, ``@``, ``:`` escaped)."""
    return quote(value, safe="")
