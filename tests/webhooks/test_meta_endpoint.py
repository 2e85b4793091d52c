"""/webhooks/meta/: the handshake, and deliveries checked, stored and acknowledged at once."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings
from tests.webhooks.conftest import URL, VERIFY_TOKEN, payload_bytes, post_signed

from hygie.inbox.models import InboxItem
from hygie.providers.meta_webhooks import sign
from hygie.webhooks.models import DeliveryStatus, WebhookDelivery
from hygie.webhooks.views import MAX_BODY_BYTES

pytestmark = pytest.mark.django_db

VECTOR_BODY = b'{"object":"page","entry":[]}'


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "hygie.webhooks.views" and r.levelno == logging.WARNING
    ]


def test_the_handshake_answers_the_raw_challenge_for_the_right_verify_token(
    client: Client,
) -> None:
    response = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {},
    ],
)
def test_the_handshake_is_refused_with_a_wrong_token_or_mode(
    client: Client, params: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get(URL, params)
    assert response.status_code == 403
    assert b"1" not in response.content
    [line] = refusals(caplog)
    assert "handshake refused" in line.getMessage()


def test_the_handshake_is_refused_when_no_verify_token_is_configured(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(HYGIE_META_VERIFY_TOKEN=""):
        response = client.get(
            URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
        )
    assert response.status_code == 403
    assert "HYGIE_META_VERIFY_TOKEN is not set" in refusals(caplog)[0].getMessage()


def test_the_published_test_vector_is_accepted_and_stored(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    header = "sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            URL,
            data=VECTOR_BODY,
            content_type="application/json",
            headers={"X-Hub-Signature-256": header, "User-Agent": "facebookexternalua"},
        )
    assert response.status_code == 200
    assert len(callbacks) == 1  # the processing task, queued after the commit
    delivery = WebhookDelivery.objects.get()
    assert delivery.raw_body() == VECTOR_BODY
    assert delivery.body_sha256 == hashlib.sha256(VECTOR_BODY).hexdigest()
    assert delivery.headers["X-Hub-Signature-256"] == header
    assert delivery.headers["User-Agent"] == "facebookexternalua"
    assert delivery.remote_addr == "127.0.0.1"
    assert delivery.source == "meta"
    assert delivery.status == DeliveryStatus.PROCESSED  # tasks run eagerly in the test suite
    assert delivery.events_found == 0


def test_the_delivery_is_stored_and_acknowledged_before_it_is_processed(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_signed(client, payload_bytes("whatsapp-text-message.json"))
    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    assert len(callbacks) == 1


def _assert_refused(
    response: Any, status: int, reason: str, body: bytes | None, caplog: Any
) -> None:
    assert response.status_code == status
    [line] = refusals(caplog)
    message = line.getMessage()
    assert "meta webhook refused from 127.0.0.1" in message
    assert reason in message
    if body is not None:
        assert hashlib.sha256(body).hexdigest() in message
    assert not WebhookDelivery.objects.exists()
    assert not InboxItem.objects.exists()


def test_a_forged_signature_is_refused_logged_and_nothing_is_stored(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = payload_bytes("whatsapp-text-message.json")
    response = post_signed(client, body, secret="not-the-app-secret")
    _assert_refused(response, 403, "signature mismatch", body, caplog)


def test_a_body_changed_after_signing_is_refused(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = payload_bytes("whatsapp-text-message.json")
    tampered = body.replace(b"another color", b"another dose!")
    response = client.post(
        URL,
        data=tampered,
        content_type="application/json",
        headers={"X-Hub-Signature-256": sign(body, "test_app_secret")},
    )
    _assert_refused(response, 403, "signature mismatch", tampered, caplog)


def test_a_missing_signature_is_refused_logged_and_nothing_is_stored(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = payload_bytes("facebook-feed-comment.json")
    response = client.post(URL, data=body, content_type="application/json")
    _assert_refused(response, 403, "missing X-Hub-Signature-256", body, caplog)


def test_a_legacy_sha1_signature_alone_is_refused(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post(
        URL,
        data=VECTOR_BODY,
        content_type="application/json",
        headers={"X-Hub-Signature": "sha1=eb935a8cb91fd3b72ab4cd92acd4498e6e688bb0"},
    )
    _assert_refused(response, 403, "missing X-Hub-Signature-256", VECTOR_BODY, caplog)


def test_unsigned_deliveries_are_refused_when_no_app_secret_is_configured(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = payload_bytes("whatsapp-text-message.json")
    with override_settings(HYGIE_META_APP_SECRET=""):
        unsigned = client.post(URL, data=body, content_type="application/json")
        signed_with_empty = client.post(
            URL,
            data=body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": sign(body, "")},
        )
    assert unsigned.status_code == signed_with_empty.status_code == 503
    assert all("HYGIE_META_APP_SECRET is not set" in r.getMessage() for r in refusals(caplog))
    assert len(refusals(caplog)) == 2
    assert not WebhookDelivery.objects.exists()


def test_an_oversize_body_is_refused_logged_and_nothing_is_stored(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = b'{"object":"page","entry":[],"pad":"' + b"x" * MAX_BODY_BYTES + b'"}'
    response = post_signed(client, body)
    _assert_refused(response, 413, "body over 1048576 bytes", None, caplog)


def test_a_body_of_exactly_one_mebibyte_is_accepted(client: Client) -> None:
    head, tail = b'{"object":"page","entry":[],"pad":"', b'"}'
    body = head + b"x" * (MAX_BODY_BYTES - len(head) - len(tail)) + tail
    assert len(body) == MAX_BODY_BYTES
    assert post_signed(client, body).status_code == 200
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"object": "page", "entry": [', "invalid JSON"),
        (b'"just a string"', "not a JSON object"),
        (b'{"object": "user", "entry": []}', "unknown object 'user'"),
        (b'{"object": "page"}', "entry is not a list"),
    ],
)
def test_bad_json_or_an_unknown_object_is_refused_logged_and_nothing_is_stored(
    client: Client, caplog: pytest.LogCaptureFixture, body: bytes, reason: str
) -> None:
    response = post_signed(client, body)
    _assert_refused(response, 400, reason, body, caplog)


def test_other_methods_are_not_allowed(client: Client) -> None:
    assert client.put(URL, data=VECTOR_BODY).status_code == 405
    assert client.delete(URL).status_code == 405


def test_a_stored_delivery_never_changes_except_its_processing_outcome(client: Client) -> None:
    post_signed(client, VECTOR_BODY)
    delivery = WebhookDelivery.objects.get()
    delivery.body = b"{}"
    with pytest.raises(ValueError, match="never changes"):
        delivery.save()
    with pytest.raises(ValueError, match="never changes"):
        delivery.save(update_fields=["body"])
    delivery.refresh_from_db()
    assert delivery.raw_body() == VECTOR_BODY
