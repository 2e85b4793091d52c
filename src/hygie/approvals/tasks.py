"""Background work of approvals. Thin: each task calls one action."""

from __future__ import annotations

from hygie.approvals.actions import do_expire_approvals
from hygie.celery import app


@app.task(name="hygie.approvals.tasks.expire_approvals")
def expire_approvals() -> int:
    """Mark approvals past their date as expired (the gate refuses them already)."""
    return do_expire_approvals()
