"""Background work of the audit app."""

from __future__ import annotations

import logging

from hygie.audit.log import verify_chain
from hygie.celery import app

logger = logging.getLogger(__name__)


@app.task(name="hygie.audit.tasks.verify_audit_chain")
def verify_audit_chain() -> dict[str, object]:
    """Nightly proof of the audit chain; a broken chain is logged as an error for monitoring."""
    report = verify_chain()
    if report.ok:
        logger.info("audit chain intact: %s events, head %s", report.events, report.head_hash)
    else:
        logger.error("audit chain BROKEN at event #%s: %s", report.broken_seq, report.reason)
    return {"ok": report.ok, "events": report.events, "broken_seq": report.broken_seq}
