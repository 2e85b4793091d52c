"""Background work of channels."""

from __future__ import annotations

from hygie.celery import app
from hygie.channels.tokens import refresh_expiring


@app.task(name="hygie.channels.tasks.refresh_expiring_tokens")
def refresh_expiring_tokens() -> dict[str, int]:
    """Refresh tokens that expire within a day (run by beat every hour)."""
    return refresh_expiring()
