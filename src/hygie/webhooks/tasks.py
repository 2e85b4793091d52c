"""Background work of webhooks. Thin: each task calls one action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from hygie.celery import app
from hygie.webhooks.actions import run_delivery
from hygie.webhooks.models import DeliveryStatus, WebhookDelivery

MAX_RETRIES = 5
# A delivery still pending this long after it was stored lost its message (broker restart,
# worker killed with the embedded file broker): it is queued again.
STALE_AFTER = timedelta(minutes=5)


def retry_delay(retries: int) -> int:
    """Seconds before the next try: 30 s, 1 min, 2 min, 4 min, 8 min."""
    return int(30 * 2**retries)


@app.task(
    name="hygie.webhooks.tasks.process_delivery",
    bind=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,  # the outcome is on the delivery row
)
def process_delivery(self: Any, delivery_id: int) -> str:
    """Ingest a stored delivery; a failure is recorded on the delivery and retried later."""
    try:
        outcome = run_delivery(delivery_id)
    except Exception as exc:
        if app.conf.task_always_eager:
            return "failed"  # recorded on the delivery; `replay_webhooks` takes it again
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    if outcome is None:
        return "missing"
    if outcome.already_processed:
        return "already processed"
    return f"ingested {outcome.ingested} of {outcome.found}"


@app.task(name="hygie.webhooks.tasks.requeue_stale_deliveries")
def requeue_stale_deliveries() -> int:
    """Queue again the deliveries left pending (meant for beat, every few minutes)."""
    cutoff = timezone.now() - STALE_AFTER
    ids = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, received_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:5000]
    )
    for delivery_id in ids:
        process_delivery.delay(delivery_id)
    return len(ids)
