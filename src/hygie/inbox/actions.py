"""Writes to the inbox: status changes and assignment. Each is atomic and audited."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from hygie.accounts.models import User
from hygie.audit.log import record_event
from hygie.channels.models import Channel
from hygie.inbox.models import InboxItem, ItemKind, ItemStatus


@transaction.atomic
def do_set_item_status(item: InboxItem, *, status: str, acting_user: User) -> InboxItem:
    status = ItemStatus(status)
    before = {"status": item.status}
    item.status = status
    item.save(update_fields=["status", "updated_at"])
    record_event(
        "inbox_item.status_changed",
        actor=acting_user,
        organization=item.organization,
        target=item,
        before=before,
        after={"status": status},
    )
    return item


@transaction.atomic
def do_assign_item(item: InboxItem, *, assignee: User | None, acting_user: User) -> InboxItem:
    before = {"assigned_to": item.assigned_to.email if item.assigned_to else None}
    item.assigned_to = assignee
    if assignee is not None and item.status == ItemStatus.NEW:
        item.status = ItemStatus.OPEN
    item.save(update_fields=["assigned_to", "status", "updated_at"])
    record_event(
        "inbox_item.assigned",
        actor=acting_user,
        organization=item.organization,
        target=item,
        before=before,
        after={"assigned_to": assignee.email if assignee else None},
    )
    return item


@transaction.atomic
def do_ingest_item(
    channel: Channel,
    *,
    kind: str,
    external_id: str,
    author_name: str,
    text: str,
    received_at: datetime,
    author_handle: str = "",
    rating: int | None = None,
    permalink: str = "",
) -> tuple[InboxItem, bool]:
    """Store one inbound message; the network's id makes a second delivery change nothing."""
    item, created = InboxItem.objects.get_or_create(
        channel=channel,
        external_id=external_id,
        defaults={
            "organization_id": channel.organization_id,
            "kind": ItemKind(kind),
            "author_name": author_name,
            "author_handle": author_handle,
            "text": text,
            "rating": rating,
            "permalink": permalink,
            "received_at": received_at,
        },
    )
    if created:
        record_event(
            "inbox_item.received",
            actor=None,
            actor_repr=f"{channel.network}",
            organization=channel.organization,
            target=item,
            after={"kind": kind, "external_id": external_id},
        )
    return item, created
