"""Stored deliveries become inbox items in the right organisation, once, and can be replayed."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from tests.conftest import CANARY
from tests.webhooks.conftest import (
    FB_PAGE_ID,
    WA_PHONE_NUMBER_ID,
    payload,
    payload_bytes,
    post_signed,
)

from hygie.accounts.models import Organization, User
from hygie.audit.log import verify_chain
from hygie.audit.models import AuditEvent
from hygie.channels.actions import do_connect_channel, do_set_channel_status
from hygie.channels.models import Channel, ChannelStatus, Network
from hygie.inbox.models import InboxItem, ItemKind
from hygie.webhooks.actions import do_process_delivery, do_store_delivery, run_delivery
from hygie.webhooks.models import DeliveryStatus, WebhookDelivery
from hygie.webhooks.tasks import process_delivery, requeue_stale_deliveries, retry_delay

pytestmark = pytest.mark.django_db


def deliver(client: Client, capture: Any, body: bytes) -> WebhookDelivery:
    """POST a signed delivery and run what the commit queues (the task, eagerly)."""
    with capture(execute=True):
        response = post_signed(client, body)
    assert response.status_code == 200, response.content
    return WebhookDelivery.objects.order_by("-id").first()  # type: ignore[return-value]


def as_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def test_a_facebook_comment_arrives_in_the_organisation_s_inbox(
    client: Client,
    org_a: Organization,
    meta_channels_a: dict[str, Channel],
    django_capture_on_commit_callbacks: Any,
) -> None:
    delivery = deliver(
        client, django_capture_on_commit_callbacks, payload_bytes("facebook-feed-comment.json")
    )
    item = InboxItem.objects.get()
    assert item.organization == org_a
    assert item.channel == meta_channels_a["facebook_page"]
    assert item.kind == ItemKind.COMMENT
    assert item.external_id == "987654321_1122334455"
    assert (item.author_name, item.text) == ("Priya Sharma", "Do you host weddings?")
    assert item.received_at == datetime.fromtimestamp(1753660799, tz=UTC)
    assert item.permalink == "https://www.facebook.com/112233445566778/posts/987654321"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert (delivery.events_found, delivery.events_ingested, delivery.attempts) == (1, 1, 1)
    assert delivery.processed_at is not None
    verbs = list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))
    assert verbs[-3:] == [
        "inbox_item.received",
        "inbox_item.triaged",
        "webhook_delivery.processed",
    ]
    assert verify_chain().ok


def test_a_messenger_message_arrives_as_a_direct_message(
    client: Client,
    org_a: Organization,
    meta_channels_a: dict[str, Channel],
    django_capture_on_commit_callbacks: Any,
) -> None:
    delivery = deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("facebook-messenger-message.json"),
    )
    item = InboxItem.objects.get()  # the echo, delivery and read events made nothing
    assert item.channel == meta_channels_a["facebook_page"]
    assert item.kind == ItemKind.DIRECT_MESSAGE
    assert item.external_id == "m_1457764197618:41d102a3e1ae206a38"
    assert item.text == "hello, world!"
    assert item.author_name == "6789012345678901"  # Messenger sends no name, only the PSID
    delivery.refresh_from_db()
    assert delivery.outcome["ignored"] == 3


def test_an_instagram_comment_arrives_on_the_instagram_channel_not_the_page(
    client: Client,
    org_a: Organization,
    meta_channels_a: dict[str, Channel],
    django_capture_on_commit_callbacks: Any,
) -> None:
    deliver(client, django_capture_on_commit_callbacks, payload_bytes("instagram-comment.json"))
    deliver(client, django_capture_on_commit_callbacks, payload_bytes("instagram-message.json"))
    comment, message = InboxItem.objects.order_by("kind")
    assert {comment.channel, message.channel} == {meta_channels_a["instagram"]}
    assert (comment.kind, comment.author_handle, comment.text) == ("comment", "jane", "Love it")
    assert (message.kind, message.text) == ("direct_message", "Vous avez du Doliprane ?")


def test_a_whatsapp_text_message_arrives_as_a_direct_message(
    client: Client,
    org_a: Organization,
    meta_channels_a: dict[str, Channel],
    django_capture_on_commit_callbacks: Any,
) -> None:
    deliver(client, django_capture_on_commit_callbacks, payload_bytes("whatsapp-text-message.json"))
    item = InboxItem.objects.get()
    assert item.organization == org_a and item.channel == meta_channels_a["whatsapp"]
    assert item.kind == ItemKind.DIRECT_MESSAGE
    assert (item.author_name, item.author_handle) == ("Sheena Nelson", "16505551234")
    assert item.text == "Does it come in another color?"
    assert item.received_at == datetime.fromtimestamp(1749416383, tz=UTC)


def test_a_whatsapp_status_is_counted_and_creates_no_item(
    client: Client, meta_channels_a: dict[str, Channel], django_capture_on_commit_callbacks: Any
) -> None:
    delivery = deliver(
        client, django_capture_on_commit_callbacks, payload_bytes("whatsapp-status-failed.json")
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert delivery.outcome["statuses"] == 1
    assert not InboxItem.objects.exists()


def test_the_same_delivery_twice_creates_one_item(
    client: Client, meta_channels_a: dict[str, Channel], django_capture_on_commit_callbacks: Any
) -> None:
    body = payload_bytes("whatsapp-text-message.json")
    first = deliver(client, django_capture_on_commit_callbacks, body)
    second = deliver(client, django_capture_on_commit_callbacks, body)  # Meta's retry
    assert first.pk != second.pk  # both stored, as received
    assert InboxItem.objects.count() == 1
    second.refresh_from_db()
    assert (second.events_found, second.events_ingested) == (1, 0)
    assert second.outcome["duplicates"] == 1
    received = AuditEvent.objects.filter(verb="inbox_item.received").count()
    # Processing the same stored delivery again (a duplicate task message) does nothing at all.
    events_before = AuditEvent.objects.count()
    assert process_delivery.delay(second.pk).get() == "already processed"
    assert AuditEvent.objects.count() == events_before
    assert received == 1


def test_the_same_event_in_two_different_deliveries_creates_one_item(
    client: Client, meta_channels_a: dict[str, Channel], django_capture_on_commit_callbacks: Any
) -> None:
    comment = payload("facebook-feed-comment.json")
    batch = payload("facebook-feed-comment.json")
    change = batch["entry"][0]["changes"][0]
    other = json.loads(json.dumps(change))
    other["value"]["comment_id"] = "987654321_999"
    batch["entry"][0]["changes"] = [other, change]
    batch["entry"][0]["time"] = 1753660900
    deliver(client, django_capture_on_commit_callbacks, as_bytes(comment))
    second = deliver(client, django_capture_on_commit_callbacks, as_bytes(batch))
    assert sorted(InboxItem.objects.values_list("external_id", flat=True)) == [
        "987654321_1122334455",
        "987654321_999",
    ]
    second.refresh_from_db()
    assert (second.events_found, second.events_ingested) == (2, 1)


def test_another_organisation_s_page_never_lands_in_organisation_a(
    client: Client,
    org_a: Organization,
    org_b: Organization,
    charlie: User,
    meta_channels_a: dict[str, Channel],
    django_capture_on_commit_callbacks: Any,
) -> None:
    b_page = do_connect_channel(
        org_b,
        network=Network.FACEBOOK_PAGE,
        name=f"Beta {CANARY}",
        handle="labo.beta",
        acting_user=charlie,
        settings={"page_id": "998877665544332"},
    )
    delivery = payload("facebook-feed-comment.json")
    mine, theirs = delivery["entry"][0], json.loads(json.dumps(delivery["entry"][0]))
    theirs["id"] = "998877665544332"
    value = theirs["changes"][0]["value"]
    value.update(comment_id="555_777", message=f"Effet indésirable {CANARY}")
    delivery["entry"] = [theirs, mine]
    deliver(client, django_capture_on_commit_callbacks, as_bytes(delivery))
    assert InboxItem.objects.get(organization=org_b).channel == b_page
    a_items = InboxItem.objects.filter(organization=org_a)
    assert [i.external_id for i in a_items] == ["987654321_1122334455"]
    assert not any(CANARY in i.text for i in a_items)


def test_a_page_id_that_only_another_network_s_channel_holds_is_not_routed(
    client: Client, meta_channels_a: dict[str, Channel], django_capture_on_commit_callbacks: Any
) -> None:
    # The Instagram channel also stores the page id of its linked page: page events must not
    # reach it when the Facebook page itself is not connected.
    meta_channels_a["facebook_page"].delete()
    deliver(client, django_capture_on_commit_callbacks, payload_bytes("facebook-feed-comment.json"))
    assert not InboxItem.objects.exists()


def test_an_event_for_no_known_channel_is_skipped_with_a_log_line(
    client: Client,
    org_a: Organization,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="hygie.webhooks.actions"):
        delivery = deliver(
            client, django_capture_on_commit_callbacks, payload_bytes("whatsapp-text-message.json")
        )
    assert not InboxItem.objects.exists()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert delivery.outcome["unrouted"] == 1
    [line] = [r for r in caplog.records if r.name == "hygie.webhooks.actions"]
    assert f"no active whatsapp channel has id '{WA_PHONE_NUMBER_ID}'" in line.getMessage()


def test_a_disabled_channel_receives_nothing(
    client: Client,
    alice: User,
    meta_channels_a: dict[str, Channel],
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_set_channel_status(
        meta_channels_a["facebook_page"], status=ChannelStatus.DISABLED, acting_user=alice
    )
    deliver(client, django_capture_on_commit_callbacks, payload_bytes("facebook-feed-comment.json"))
    assert not InboxItem.objects.exists()


def test_a_failed_processing_is_recorded_and_replay_processes_it_again(
    client: Client, meta_channels_a: dict[str, Channel], django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch(
        "hygie.webhooks.actions.do_ingest_item", side_effect=RuntimeError("database went away")
    ):
        delivery = deliver(
            client, django_capture_on_commit_callbacks, payload_bytes("whatsapp-text-message.json")
        )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == "RuntimeError: database went away"
    assert delivery.attempts == 1
    assert not InboxItem.objects.exists()
    assert AuditEvent.objects.filter(verb="webhook_delivery.failed").count() == 1

    call_command("replay_webhooks")  # default: the failed deliveries
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert (delivery.attempts, delivery.events_ingested, delivery.error) == (2, 1, "")
    assert InboxItem.objects.get().text == "Does it come in another color?"
    assert verify_chain().ok


def test_replay_prints_counts_and_changes_nothing_the_second_time(
    client: Client,
    meta_channels_a: dict[str, Channel],
    django_capture_on_commit_callbacks: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(client, django_capture_on_commit_callbacks, payload_bytes("instagram-comment.json"))
    deliver(client, django_capture_on_commit_callbacks, payload_bytes("instagram-comment.json"))
    call_command("replay_webhooks", "--status", "all")
    out = capsys.readouterr().out
    assert "replayed 2 deliveries (0 failed): 2 events, 0 new inbox items, 2 already there" in out
    assert InboxItem.objects.count() == 1
    first = WebhookDelivery.objects.order_by("id").first()
    assert first is not None
    call_command("replay_webhooks", "--id", str(first.pk))
    assert "replayed 1 deliveries" in capsys.readouterr().out


def test_replay_selects_by_status_and_time(
    meta_channels_a: dict[str, Channel], capsys: pytest.CaptureFixture[str]
) -> None:
    body = payload_bytes("whatsapp-text-message.json")
    old = do_store_delivery(
        "meta",
        body=body,
        headers={},
        remote_addr="",
        received_at=timezone.now() - timedelta(days=3),
    )
    new = do_store_delivery("meta", body=body, headers={}, remote_addr="")
    since = (timezone.now() - timedelta(days=1)).isoformat()
    call_command("replay_webhooks", "--status", "pending", "--since", since)
    assert (
        "replayed 1 deliveries (0 failed): 1 events, 1 new inbox items" in capsys.readouterr().out
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (DeliveryStatus.PENDING, DeliveryStatus.PROCESSED)
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("replay_webhooks", "--since", "last tuesday")


def test_a_stored_delivery_that_cannot_be_parsed_fails_and_replay_says_so(
    meta_channels_a: dict[str, Channel], capsys: pytest.CaptureFixture[str]
) -> None:
    broken = do_store_delivery("meta", body=b"{oops", headers={}, remote_addr="")
    assert process_delivery.delay(broken.pk).get() == "failed"
    broken.refresh_from_db()
    assert broken.status == DeliveryStatus.FAILED and "invalid JSON" in broken.error
    with pytest.raises(CommandError, match="1 deliveries failed again"):
        call_command("replay_webhooks")
    broken.refresh_from_db()
    assert broken.attempts == 2


def test_a_pending_delivery_left_behind_is_queued_again(
    meta_channels_a: dict[str, Channel],
) -> None:
    body = payload_bytes("whatsapp-text-message.json")
    lost = do_store_delivery(
        "meta",
        body=body,
        headers={},
        remote_addr="",
        received_at=timezone.now() - timedelta(hours=1),
    )
    fresh = do_store_delivery("meta", body=body, headers={}, remote_addr="")
    assert requeue_stale_deliveries.delay().get() == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == DeliveryStatus.PROCESSED
    assert fresh.status == DeliveryStatus.PENDING  # its own task is still on its way


def test_processing_a_delivery_directly_twice_is_harmless(
    meta_channels_a: dict[str, Channel],
) -> None:
    delivery = do_store_delivery(
        "meta", body=payload_bytes("facebook-feed-comment.json"), headers={}, remote_addr=""
    )
    first = do_process_delivery(delivery)
    again = do_process_delivery(delivery)
    replayed = do_process_delivery(delivery, replay=True)
    assert (first.ingested, again.already_processed, replayed.duplicates) == (1, True, 1)
    assert InboxItem.objects.count() == 1
    assert run_delivery(10**9) is None


def test_retries_back_off_exponentially() -> None:
    assert [retry_delay(n) for n in range(5)] == [30, 60, 120, 240, 480]


def test_a_page_connected_by_two_organisations_feeds_both_inboxes(
    client: Client,
    org_a: Organization,
    org_b: Organization,
    charlie: User,
    meta_channels_a: dict[str, Channel],
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_connect_channel(
        org_b,
        network=Network.FACEBOOK_PAGE,
        name="Agence",
        handle="pharmacie.alpha",
        acting_user=charlie,
        settings={"page_id": FB_PAGE_ID},
    )
    deliver(client, django_capture_on_commit_callbacks, payload_bytes("facebook-feed-comment.json"))
    assert sorted(InboxItem.objects.values_list("organization__slug", flat=True)) == [
        "alpha",
        "beta",
    ]


def test_an_id_too_long_to_store_is_skipped_and_an_overlong_link_dropped(
    client: Client, meta_channels_a: dict[str, Channel], django_capture_on_commit_callbacks: Any
) -> None:
    delivery = payload("facebook-feed-comment.json")
    value = delivery["entry"][0]["changes"][0]["value"]
    long_id = {**value, "comment_id": "9" * 300}
    long_link = {
        **value,
        "comment_id": "987654321_5",
        "post": {**value["post"], "permalink_url": "https://www.facebook.com/" + "p" * 300},
    }
    delivery["entry"][0]["changes"] = [
        {"field": "feed", "value": long_id},
        {"field": "feed", "value": long_link},
    ]
    stored = deliver(client, django_capture_on_commit_callbacks, as_bytes(delivery))
    item = InboxItem.objects.get()
    assert item.external_id == "987654321_5" and item.permalink == ""
    stored.refresh_from_db()
    assert stored.status == DeliveryStatus.PROCESSED
    assert stored.outcome["skipped"] == 1
    assert "longer than 255" in stored.outcome["reasons"][0]
