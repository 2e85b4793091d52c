"""Background work of the triage. Thin: each task calls one action."""

from __future__ import annotations

from hygie.celery import app
from hygie.inbox.models import InboxItem
from hygie.triage.actions import moderate


@app.task(name="hygie.triage.tasks.moderate_abusive", ignore_result=True)
def moderate_abusive(item_id: int) -> str:
    item = InboxItem.objects.select_related("channel").filter(pk=item_id).first()
    if item is None:
        return "missing"
    return moderate(item)
