"""Killing the worker while it ingests webhook deliveries loses nothing and doubles nothing.

Every event is sent twice, in two different deliveries (and one delivery is sent twice byte for
byte, as Meta retries). A real ``hygie worker`` processes them as they arrive; the test SIGKILLs
its whole process group mid-way, keeps posting while no worker is alive, starts another worker,
and replays what the dead one left pending (its messages may be lost with the embedded broker,
or held unacknowledged by Redis until the visibility timeout). Every event must then be exactly
one inbox item, and no delivery may be left pending or failed.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from tests.test_publish_kill_worker import kill_group, start_worker, wait_until
from tests.webhooks.conftest import WA_PHONE_NUMBER_ID, post_signed

from hygie.audit.log import verify_chain
from hygie.audit.models import AuditEvent
from hygie.celery import app
from hygie.channels.models import Channel
from hygie.inbox.models import InboxItem
from hygie.webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EVENTS = 600
BIG = 400  # the first delivery carries events 0–399: the worker is inside it when killed
FIRST_BATCH, SECOND_BATCH = 16, 20  # events per delivery otherwise, in the two sendings


@pytest.fixture
def real_queue() -> Iterator[None]:
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def whatsapp_delivery(numbers: list[int]) -> bytes:
    """One WhatsApp delivery (the spec's text message shape) carrying the given events."""
    messages = [
        {
            "from": f"3361234{n:04d}",
            "id": f"wamid.kill-test-{n:04d}",
            "timestamp": str(1_760_000_000 + n),
            "type": "text",
            "text": {"body": f"Message n°{n}"},
        }
        for n in numbers
    ]
    contacts = [{"profile": {"name": f"Patient {n}"}, "wa_id": f"3361234{n:04d}"} for n in numbers]
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "419561257915477",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": WA_PHONE_NUMBER_ID,
                                },
                                "contacts": contacts,
                                "messages": messages,
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def deliveries() -> list[bytes]:
    """Every event twice: first one big delivery then batches of 16 in order, then batches of
    20 in reverse order; one small delivery is also resent byte for byte (Meta's retry)."""
    numbers = list(range(EVENTS))
    first = [numbers[:BIG]] + [
        numbers[i : i + FIRST_BATCH] for i in range(BIG, EVENTS, FIRST_BATCH)
    ]
    backwards = numbers[::-1]
    second = [backwards[i : i + SECOND_BATCH] for i in range(0, EVENTS, SECOND_BATCH)]
    bodies = [whatsapp_delivery(batch) for batch in first + second]
    bodies.insert(len(first), bodies[1])
    return bodies


def processed() -> int:
    return WebhookDelivery.objects.filter(status=DeliveryStatus.PROCESSED).count()


def test_a_worker_killed_while_ingesting_webhooks_loses_nothing_and_doubles_nothing(
    client: Client,
    meta_channels_a: dict[str, Channel],
    tmp_path: Path,
    real_queue: None,
) -> None:
    bodies = deliveries()
    first_sending = len(bodies) - EVENTS // SECOND_BATCH
    worker_a, _ = start_worker(tmp_path, "a")
    log = tmp_path / "a.log"
    try:
        for body in bodies[:first_sending]:
            assert post_signed(client, body).status_code == 200
        big = WebhookDelivery.objects.order_by("id").first()
        assert big is not None and big.raw_body() == bodies[0]
        # The worker takes the big delivery first (FIFO) and ingests it in one transaction.
        wait_until(
            lambda: "process_delivery[" in log.read_text(errors="replace"), 60, "a task received"
        )
        time.sleep(1.0)
        big.refresh_from_db()
        if big.status != DeliveryStatus.PENDING:
            pytest.fail(f"the big delivery was {big.status} before the kill: raise BIG")
    finally:
        kill_group(worker_a)
    at_kill = Counter(WebhookDelivery.objects.values_list("status", flat=True))
    big.refresh_from_db()
    assert big.status == DeliveryStatus.PENDING and big.attempts == 0
    # Nothing of the interrupted transaction is visible: only what finished deliveries counted.
    done = WebhookDelivery.objects.filter(status=DeliveryStatus.PROCESSED)
    assert InboxItem.objects.count() == sum(done.values_list("events_ingested", flat=True))
    print(f"at the kill: {dict(at_kill)}, {InboxItem.objects.count()} items")  # shown with -s

    # Deliveries keep arriving while no worker is alive: stored and acknowledged all the same.
    for body in bodies[first_sending:]:
        assert post_signed(client, body).status_code == 200
    assert WebhookDelivery.objects.count() == len(bodies)

    worker_b, _ = start_worker(tmp_path, "b")
    try:
        # The second worker drains the queue; what the dead worker had taken is replayed (the
        # operator's `replay_webhooks`; beat's `requeue_stale_deliveries` does it after 5 min).
        last, still = -1, time.monotonic()
        while time.monotonic() - still < 8:
            done_now = processed()
            if done_now != last:
                last, still = done_now, time.monotonic()
            if done_now == len(bodies):
                break
            time.sleep(0.5)
        call_command("replay_webhooks", "--status", "pending")
        call_command("replay_webhooks", "--status", "failed")
        wait_until(lambda: processed() == len(bodies), 60, "every delivery processed")
    finally:
        kill_group(worker_b)

    expected = {f"wamid.kill-test-{n:04d}" for n in range(EVENTS)}
    items = list(InboxItem.objects.values_list("external_id", flat=True))
    assert len(items) == EVENTS, "one inbox item per event, none lost, none doubled"
    assert set(items) == expected
    assert not WebhookDelivery.objects.exclude(status=DeliveryStatus.PROCESSED).exists()
    ingested = sum(WebhookDelivery.objects.values_list("events_ingested", flat=True))
    assert ingested == EVENTS, "each event counted as ingested by exactly one delivery"
    assert AuditEvent.objects.filter(verb="inbox_item.received").count() == EVENTS
    assert verify_chain().ok
