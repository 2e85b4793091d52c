from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hygie.webhooks.actions import run_delivery
from hygie.webhooks.models import DeliveryStatus, WebhookDelivery


class Command(BaseCommand):
    help = (
        "Process stored webhook deliveries again, in this process (idempotent: an event already "
        "in the inbox is not stored twice). Default: the failed ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--id", type=int, action="append", dest="ids", help="delivery id")
        parser.add_argument(
            "--status", choices=["failed", "pending", "all"], default=None, help="default: failed"
        )
        parser.add_argument("--since", help="received at or after this ISO 8601 time")

    def handle(self, *args: Any, **options: Any) -> None:
        deliveries = WebhookDelivery.objects.order_by("id")
        ids: list[int] | None = options["ids"]
        status: str | None = options["status"]
        if ids:
            deliveries = deliveries.filter(pk__in=ids)
        if status is None and not ids:
            status = "failed"
        if status in (DeliveryStatus.FAILED, DeliveryStatus.PENDING):
            deliveries = deliveries.filter(status=status)
        if options["since"]:
            try:
                since = datetime.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(
                    f"--since is not an ISO 8601 time: {options['since']!r}"
                ) from exc
            if timezone.is_naive(since):
                since = timezone.make_aware(since)
            deliveries = deliveries.filter(received_at__gte=since)

        totals = {"deliveries": 0, "failed": 0, "found": 0, "ingested": 0, "duplicates": 0}
        totals |= {"unrouted": 0, "skipped": 0}
        for delivery_id in deliveries.values_list("id", flat=True).iterator():
            totals["deliveries"] += 1
            try:
                outcome = run_delivery(delivery_id, replay=True)
            except Exception as exc:
                totals["failed"] += 1
                self.stderr.write(f"delivery {delivery_id}: {exc.__class__.__name__}: {exc}")
                continue
            if outcome is None:
                continue
            for key in ("found", "ingested", "duplicates", "unrouted", "skipped"):
                totals[key] += getattr(outcome, key)
        self.stdout.write(
            "replayed {deliveries} deliveries ({failed} failed): {found} events, "
            "{ingested} new inbox items, {duplicates} already there, {unrouted} without a "
            "channel, {skipped} skipped".format(**totals)
        )
        if totals["failed"]:
            raise CommandError(f"{totals['failed']} deliveries failed again (see above)")
