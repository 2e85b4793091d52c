"""Background work of moderation. Thin: the task calls one action."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from hygie.celery import app
from hygie.inbox.models import InboxItem
from hygie.moderation.actions import do_apply_rules
from hygie.moderation.models import ModerationRule


@app.task(name="hygie.moderation.tasks.apply_rules", ignore_result=True)
def apply_rules(item_id: int) -> str:
    """Run the organisation's moderation rules on a message just received."""
    item = InboxItem.objects.filter(pk=item_id).first()
    if item is None:
        return "missing"
    entry = do_apply_rules(item)
    return "no rule matched" if entry is None else f"queued as entry {entry.pk}"


def after_ingest(item: InboxItem) -> None:
    """Called by ``do_ingest_item`` for each new message: once the message is committed, run
    the rules in the background (nothing is sent when the organisation has no active rule)."""
    if ModerationRule.objects.filter(organization_id=item.organization_id, is_active=True).exists():
        transaction.on_commit(partial(apply_rules.delay, item.pk), robust=True)
