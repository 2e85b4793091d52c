"""Background work of safety. Thin: each task calls one action."""

from __future__ import annotations

from hygie.celery import app
from hygie.safety.actions import do_escalate_due_cases


@app.task(name="hygie.safety.tasks.escalate_due_cases")
def escalate_due_cases() -> int:
    """Warn the back-up officer, once per case, when a case nears or passes its forwarding
    deadline (run by beat every five minutes)."""
    return do_escalate_due_cases()
