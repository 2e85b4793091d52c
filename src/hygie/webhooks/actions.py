"""Writes of the webhooks app: storing a delivery, and recording what processing made of it.

``do_store_delivery`` is the one write without an audit event: it runs for every request the
network sends, before any processing, and its row *is* the record (it is never changed
afterwards except for its processing outcome). Processing is audited once per delivery
(``webhook_delivery.processed`` or ``.failed``); each new inbox item gets its own
``inbox_item.received`` event from ``do_ingest_item``.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from hygie.audit.log import record_event
from hygie.channels.models import Channel, ChannelStatus
from hygie.inbox.actions import do_ingest_item
from hygie.providers import meta_webhooks
from hygie.providers.meta_webhooks import InboundEvent
from hygie.webhooks.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)

SOURCE_META = "meta"
# Limits of the inbox item's columns: a longer id cannot be stored faithfully, so it is skipped.
_MAX_ID, _MAX_NAME, _MAX_LINK = 255, 255, 200
_MAX_REASONS = 20


@dataclass
class DeliveryOutcome:
    """What one processing of a delivery did."""

    found: int = 0  # message events in the delivery
    ingested: int = 0  # inbox items created now
    duplicates: int = 0  # (event, channel) pairs already in the inbox
    unrouted: int = 0  # events for a page/account/number no active channel has
    skipped: int = 0  # unusable: no id, unsupported type, id too long…
    statuses: int = 0  # WhatsApp statuses of messages the organisation sent
    ignored: int = 0  # not messages: echoes, receipts, reactions, edits…
    reasons: list[str] = field(default_factory=list)
    already_processed: bool = False  # a second message for a finished delivery: nothing done

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def do_store_delivery(
    source: str,
    *,
    body: bytes,
    headers: dict[str, str],
    remote_addr: str,
    received_at: datetime | None = None,
) -> WebhookDelivery:
    """Store a verified request durably (one INSERT). See the module's note on auditing."""
    return WebhookDelivery.objects.create(
        source=source,
        received_at=received_at or timezone.now(),
        remote_addr=remote_addr[:64],
        headers=headers,
        body=body,
        body_sha256=hashlib.sha256(body).hexdigest(),
    )


def _parse(delivery: WebhookDelivery) -> meta_webhooks.ParsedDelivery:
    if delivery.source != SOURCE_META:
        raise ValueError(f"no parser for webhook source {delivery.source!r}")
    payload = meta_webhooks.decode(delivery.raw_body())
    return meta_webhooks.parse_payload(payload, received_at=delivery.received_at)


def channels_for(events: Iterable[InboundEvent]) -> dict[tuple[str, str], list[Channel]]:
    """The channels each (network, routing key) of ``events`` belongs to, disabled ones aside.

    A page connected by two organisations (an agency and the pharmacy) feeds both inboxes.
    """
    routes: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.route:
            routes[event.network].add(event.route)
    found: dict[tuple[str, str], list[Channel]] = defaultdict(list)
    for network, keys in routes.items():
        setting = meta_webhooks.ROUTING_SETTING[network]
        channels = (
            Channel.objects.filter(network=network, **{f"settings__{setting}__in": sorted(keys)})
            .exclude(status=ChannelStatus.DISABLED)
            .select_related("organization")
            .order_by("pk")
        )
        for channel in channels:
            found[(network, str(channel.settings.get(setting)))].append(channel)
    return found


def _author_name(event: InboundEvent) -> str:
    return (event.author_name or event.author_handle or event.author_id or "?")[:_MAX_NAME]


@transaction.atomic
def do_process_delivery(delivery: WebhookDelivery, *, replay: bool = False) -> DeliveryOutcome:
    """Ingest every message of a stored delivery into its organisation's inbox.

    Idempotent: items are keyed by the network's id, so processing a delivery again, or two
    deliveries carrying the same event, creates nothing new. A delivery already processed is
    left alone unless ``replay`` asks for it again.
    """
    row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if row.status == DeliveryStatus.PROCESSED and not replay:
        return DeliveryOutcome(found=row.events_found, already_processed=True)
    parsed = _parse(row)
    outcome = DeliveryOutcome(
        found=len(parsed.events),
        skipped=len(parsed.skipped),
        statuses=len(parsed.statuses),
        ignored=parsed.ignored,
        reasons=[f"{s.where}: {s.reason}" for s in parsed.skipped[:_MAX_REASONS]],
    )
    channels = channels_for(parsed.events)
    unrouted: dict[tuple[str, str], int] = defaultdict(int)
    for event in parsed.events:
        targets = channels.get((event.network, event.route), [])
        if not targets:
            unrouted[(event.network, event.route)] += 1
            continue
        if len(event.external_id) > _MAX_ID:
            outcome.skipped += 1
            outcome.reasons.append(f"{event.network} id longer than {_MAX_ID} characters")
            continue
        for channel in targets:
            _item, created = do_ingest_item(
                channel,
                kind=event.kind,
                external_id=event.external_id,
                author_name=_author_name(event),
                author_handle=event.author_handle[:_MAX_NAME],
                text=event.text,
                received_at=event.received_at,
                permalink=event.permalink if len(event.permalink) <= _MAX_LINK else "",
                author_external_id=event.author_id[:_MAX_NAME],
                thread_external_id=event.thread_id[:_MAX_NAME],
                parent_external_id=event.parent_id[:_MAX_NAME],
            )
            if created:
                outcome.ingested += 1
            else:
                outcome.duplicates += 1
    for (network, route), count in sorted(unrouted.items()):
        outcome.unrouted += count
        logger.warning(
            "webhook delivery %s: no active %s channel has id %r; %d event(s) skipped",
            row.pk,
            network,
            route,
            count,
        )
    del outcome.reasons[_MAX_REASONS:]
    row.status = DeliveryStatus.PROCESSED
    row.attempts += 1
    row.processed_at = timezone.now()
    row.error = ""
    row.events_found = outcome.found
    row.events_ingested += outcome.ingested  # over every processing of this delivery
    row.outcome = outcome.as_dict()
    row.save(
        update_fields=[
            "status",
            "attempts",
            "processed_at",
            "error",
            "events_found",
            "events_ingested",
            "outcome",
        ]
    )
    record_event(
        "webhook_delivery.processed",
        actor=None,
        actor_repr=f"{row.source} webhook",
        target=row,
        after={
            k: v for k, v in outcome.as_dict().items() if k not in ("reasons", "already_processed")
        },
        context={"replay": replay, "attempt": row.attempts, "sha256": row.body_sha256},
    )
    return outcome


@transaction.atomic
def do_fail_delivery(delivery: WebhookDelivery, *, error: str) -> WebhookDelivery:
    """Record that processing failed (the delivery stays stored, to be retried or replayed)."""
    row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    row.status = DeliveryStatus.FAILED
    row.attempts += 1
    row.error = error[:2000]
    row.save(update_fields=["status", "attempts", "error"])
    record_event(
        "webhook_delivery.failed",
        actor=None,
        actor_repr=f"{row.source} webhook",
        target=row,
        after={"status": row.status, "error": row.error[:300]},
        context={"attempt": row.attempts, "sha256": row.body_sha256},
    )
    return row


def run_delivery(delivery_id: int, *, replay: bool = False) -> DeliveryOutcome | None:
    """Process one stored delivery; on failure record it and re-raise (the caller retries).

    None when no such delivery exists (deleted by an operator).
    """
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).only("pk", "source").first()
    if delivery is None:
        return None
    try:
        return do_process_delivery(delivery, replay=replay)
    except Exception as exc:
        logger.exception("webhook delivery %s could not be processed", delivery_id)
        do_fail_delivery(delivery, error=f"{exc.__class__.__name__}: {exc}")
        raise
