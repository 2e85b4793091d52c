"""WhatsApp end to end: a message arrives by signed webhook and is answered through Prism.

Prism serves Meta's own OpenAPI document of the Cloud API (tests/peers/specs/) and refuses with
422 any request that does not match it, so every answer Hygie sends here, a text inside the
24-hour window or a template outside it, is checked against the published contract.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from tests.webhooks.conftest import APP_SECRET, WA_PHONE_NUMBER_ID, payload, post_signed

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.inbox import outbox
from hygie.inbox.actions import do_save_inbox_settings, do_send_reply, first_attempt
from hygie.inbox.models import Direction, InboxItem, OutboundReply, ReplyStatus
from hygie.providers.base import Account
from hygie.providers.errors import Rejected
from hygie.providers.http import ProviderHttp
from hygie.providers.whatsapp.provider import WhatsAppProvider

from .prism import PrismMock

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def whatsapp_prism() -> Iterator[PrismMock]:
    with PrismMock() as prism:
        yield prism


@pytest.fixture
def whatsapp_channel(org_a: Organization, alice: User, whatsapp_prism: PrismMock) -> Channel:
    return do_connect_channel(
        org_a,
        network=Network.WHATSAPP,
        name="WhatsApp Alpha",
        handle="+33 1 23 45 67 89",
        credentials=json.dumps({"access_token": "EAAwhatsappSystemUserToken"}),
        acting_user=alice,
        base_url=whatsapp_prism.url,
        settings={"phone_number_id": WA_PHONE_NUMBER_ID},
    )


def arrive(client: Client, capture: Any, *, sent_at: int) -> InboxItem:
    """The spec's "Text Message" webhook, sent at ``sent_at``, signed and processed."""
    document = payload("whatsapp-text-message.json")
    value = document["entry"][0]["changes"][0]["value"]
    value["messages"][0]["timestamp"] = str(sent_at)
    body = json.dumps(document).encode()
    with override_settings(HYGIE_META_APP_SECRET=APP_SECRET), capture(execute=True):
        response = post_signed(client, body)
    assert response.status_code == 200, response.content
    return InboxItem.objects.get(direction=Direction.INBOUND)


def answer(item: InboxItem, user: User, text: str) -> OutboundReply:
    reply = do_send_reply(
        item.conversation,
        text=text,
        in_reply_to=item,
        acting_user=user,
        acknowledged_findings=False,
    )
    outbox.run_reply_attempt(first_attempt(reply).pk)
    reply.refresh_from_db()
    return reply


def test_a_whatsapp_message_received_by_webhook_is_answered_through_the_validating_mock(
    client: Client,
    alice: User,
    whatsapp_channel: Channel,
    django_capture_on_commit_callbacks: Any,
) -> None:
    item = arrive(
        client,
        django_capture_on_commit_callbacks,
        sent_at=int((timezone.now() - timedelta(minutes=10)).timestamp()),
    )
    assert item.channel == whatsapp_channel and item.kind == "direct_message"
    reply = answer(item, alice, "Bonjour, oui : nous l'avons en rayon.")
    assert reply.status == ReplyStatus.SENT, reply.last_error
    assert reply.external_id.startswith("wamid.")
    sent = InboxItem.objects.get(direction=Direction.OUTBOUND)
    assert sent.text == "Bonjour, oui : nous l'avons en rayon."
    assert sent.parent_external_id == item.external_id


def test_after_24_hours_the_organisation_s_template_is_sent_and_accepted_by_the_spec(
    client: Client,
    alice: User,
    org_a: Organization,
    whatsapp_channel: Channel,
    django_capture_on_commit_callbacks: Any,
) -> None:
    item = arrive(
        client,
        django_capture_on_commit_callbacks,
        sent_at=int((timezone.now() - timedelta(days=2)).timestamp()),
    )
    do_save_inbox_settings(
        org_a,
        data={"whatsapp_template": "suivi_conseil", "whatsapp_template_language": "fr"},
        acting_user=alice,
    )
    reply = answer(item, alice, "Votre commande est arrivée.\nÀ bientôt !")
    assert reply.status == ReplyStatus.SENT, reply.last_error
    assert InboxItem.objects.get(direction=Direction.OUTBOUND).text == (
        "[suivi_conseil] Votre commande est arrivée. À bientôt !"
    )


def test_the_mock_refuses_a_request_that_breaks_the_published_contract(
    whatsapp_prism: PrismMock,
) -> None:
    """The control: a template without its language policy (required by the document) is
    refused with 422, and through the provider that refusal is a rejection, never a success."""
    invalid = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "template",
        "template": {"name": "suivi_conseil", "language": {"code": "fr"}},
    }
    path = f"/v23.0/{WA_PHONE_NUMBER_ID}/messages"
    with httpx.Client() as http:
        response = http.post(
            whatsapp_prism.url + path, headers={"Authorization": "Bearer EAAtoken"}, json=invalid
        )
    assert response.status_code == 422 and "policy" in response.text
    provider = WhatsAppProvider(
        Account(
            handle="+33 1 23 45 67 89",
            credentials={"access_token": "EAAtoken"},
            settings={"phone_number_id": WA_PHONE_NUMBER_ID},
            base_url=whatsapp_prism.url,
        ),
        ProviderHttp(),
    )
    with pytest.raises(Rejected) as refused:
        provider.call("POST", path, write=True, headers=provider._auth(), json=invalid)
    assert refused.value.status == 422
