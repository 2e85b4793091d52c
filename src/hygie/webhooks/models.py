"""Webhook deliveries: the raw request, stored before anything is made of it.

Storing the row is the acknowledgement we give the network: once it is committed the delivery
cannot be lost, whatever happens to the worker that processes it, and it can be processed again
(``hygie manage replay_webhooks``). The row is installation-wide, not an organisation's: one
Meta delivery may carry events for the pages of several organisations.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    PROCESSED = "processed", "processed"
    FAILED = "failed", "failed"


# The only columns of a stored delivery that ever change: its processing outcome.
PROCESSING_FIELDS = frozenset(
    {"status", "attempts", "processed_at", "error", "events_found", "events_ingested", "outcome"}
)


class WebhookDelivery(models.Model):
    """One signed request from a network, byte for byte, and what processing made of it."""

    source = models.CharField(max_length=32)  # "meta"
    received_at = models.DateTimeField()
    remote_addr = models.CharField(max_length=64, blank=True)
    # The request headers that matter to check or replay it (signature, content type, agent).
    headers = models.JSONField(default=dict)
    body = models.BinaryField()
    body_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    events_found = models.PositiveIntegerField(default=0)  # messages in the last processing
    # Inbox items this delivery created, over all its processings (a replay adds what was
    # missing): summed over deliveries, it is the number of items webhooks created.
    events_ingested = models.PositiveIntegerField(default=0)
    # Counts of the last processing: duplicates, unrouted, skipped (with reasons), statuses…
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "id"], name="webhook_delivery_status")]

    def __str__(self) -> str:
        return f"{self.source} delivery #{self.pk} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert once; afterwards only the processing columns may be saved."""
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or not set(update_fields) <= PROCESSING_FIELDS
        ):
            raise ValueError("a stored webhook delivery never changes, only its processing outcome")
        super().save(*args, **kwargs)

    def raw_body(self) -> bytes:
        return bytes(self.body)
