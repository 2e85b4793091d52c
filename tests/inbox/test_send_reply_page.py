"""Answering from Hygie through the conversation page: send, tick, confirm, send again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.conftest import login
from tests.inbox.reply_helpers import (
    MEDICINE,
    TREATMENT,
    connect,
    receive,
    run,
    send,
)
from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import whatsapp as wa
from tests.providers.fakenet import FakeNetwork, Reply
from tests.test_publish_engine import MastodonSim

from hygie.accounts.models import Organization, User
from hygie.channels.models import Network
from hygie.inbox.models import (
    InboxItem,
    OutboundReply,
    ReplyStatus,
)

pytestmark = pytest.mark.django_db


# --- The conversation page ---------------------------------------------------------------------


def page(client: Client, item: InboxItem) -> str:
    return client.get(f"/o/alpha/inbox/c/{item.conversation_id}/").content.decode()


def post_reply(client: Client, item: InboxItem, text: str, **extra: str) -> Any:
    return client.post(
        f"/o/alpha/inbox/c/{item.conversation_id}/reply/",
        {"text": text, "in_reply_to": str(item.pk), **extra},
    )


def test_the_conversation_page_sends_a_reply_with_the_send_button(
    client: Client,
    alice: User,
    mastodon_mention: InboxItem,
    net: FakeNetwork,
    django_capture_on_commit_callbacks: Any,
) -> None:
    MastodonSim(net)
    login(client, alice)
    html = page(client, mastodon_mention)
    assert 'id="reply-send"' in html and 'id="reply-acknowledged"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = post_reply(client, mastodon_mention, "Oui, de 9 h à 12 h.")
    assert response.status_code == 302 and "#outbound-" in response["Location"]
    assert OutboundReply.objects.get().status == ReplyStatus.SENT
    html = page(client, mastodon_mention)
    assert "Oui, de 9 h à 12 h." in html and 'data-direction="outbound"' in html


def test_a_blocked_reply_comes_back_with_its_text_and_the_rule(
    client: Client, alice: User, review: InboxItem
) -> None:
    login(client, alice)
    response = post_reply(client, review, TREATMENT, acknowledged="1")
    assert response.status_code == 302 and response["Location"].endswith("#reply-area")
    html = page(client, review)
    assert "FR-PHARMA-07" in html and "ravis que votre traitement" in html
    assert '<details id="reply-area" class="card" open>' in html
    assert not OutboundReply.objects.exists()
    assert "FR-PHARMA-07" not in page(client, review)  # shown once


def test_a_reply_needing_the_tick_makes_the_checkbox_required(
    client: Client, alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    channel = connect(org_a, alice, net, Network.FACEBOOK_PAGE, page_id=fb.PAGE_ID)
    comment = receive(
        channel, "Le Doliprane c'est toutes les 4 heures ?", external_id=fb.COMMENT_ID
    )
    login(client, alice)
    post_reply(client, comment, MEDICINE)
    html = page(client, comment)
    assert 'name="acknowledged" value="1" required' in html and "FR-MED-09" in html


def test_an_unconfirmed_reply_offers_it_was_sent_and_send_again(
    client: Client,
    alice: User,
    whatsapp_message: InboxItem,
    net: FakeNetwork,
    short_timeout: None,
) -> None:
    net.route("POST", wa.REPLY_CALLS["direct_message"][1], Reply(200, wa.SENT, delay=1.5))
    reply = send(whatsapp_message, "Oui, elle est prête.", alice)
    run(reply)
    login(client, alice)
    html = page(client, whatsapp_message)
    assert f'id="outbound-{reply.pk}" data-reply-status="unconfirmed"' in html
    assert "/reply/confirm/" in html and "/reply/retry/" in html
    response = client.post(
        f"/o/alpha/inbox/c/{whatsapp_message.conversation_id}/reply/confirm/",
        {"reply": str(reply.pk), "url": ""},
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT
    assert f'id="outbound-{reply.pk}"' not in page(client, whatsapp_message)


def test_a_failed_reply_is_sent_again_from_the_page(
    client: Client,
    alice: User,
    whatsapp_message: InboxItem,
    net: FakeNetwork,
    django_capture_on_commit_callbacks: Any,
) -> None:
    net.route("POST", wa.REPLY_CALLS["direct_message"][1], Reply(400, wa.RE_ENGAGEMENT), times=1)
    wa.install_replies(net)
    reply = send(whatsapp_message, "Oui.", alice)
    run(reply)
    login(client, alice)
    assert "131047" in page(client, whatsapp_message)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/o/alpha/inbox/c/{whatsapp_message.conversation_id}/reply/retry/",
            {"reply": str(reply.pk)},
        )
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT


def test_a_reply_of_another_conversation_cannot_be_confirmed_through_this_one(
    client: Client, alice: User, whatsapp_message: InboxItem, mastodon_mention: InboxItem
) -> None:
    reply = send(whatsapp_message, "Oui.", alice)
    login(client, alice)
    response = client.post(
        f"/o/alpha/inbox/c/{mastodon_mention.conversation_id}/reply/confirm/",
        {"reply": str(reply.pk)},
    )
    assert response.status_code == 404


def test_a_network_hygie_cannot_answer_on_keeps_the_copy_button(
    client: Client, alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    linkedin = connect(org_a, alice, net, Network.LINKEDIN_ORG)
    item = receive(linkedin, "Bonjour")
    login(client, alice)
    html = page(client, item)
    assert 'id="reply-cannot-send"' in html and 'id="reply-send"' not in html
    assert "data-copy-from" in html


def test_the_whatsapp_template_is_chosen_in_the_inbox_settings(
    client: Client, alice: User, org_a: Organization
) -> None:
    login(client, alice)
    response = client.post(
        "/o/alpha/inbox/settings/",
        {
            "first_response_hours": 4,
            "resolution_hours": 48,
            "opens_at": "09:00",
            "closes_at": "19:00",
            "whatsapp_template": " suivi_conseil ",
            "whatsapp_template_language": "fr_FR",
            "whatsapp_template_text": "on",
        },
    )
    assert response.status_code == 302
    from hygie.inbox.actions import settings_for

    chosen = settings_for(org_a)
    assert (chosen.whatsapp_template, chosen.whatsapp_template_language) == (
        "suivi_conseil",
        "fr_FR",
    )
    bad = client.post(
        "/o/alpha/inbox/settings/",
        {
            "first_response_hours": 4,
            "resolution_hours": 48,
            "opens_at": "09:00",
            "closes_at": "19:00",
            "whatsapp_template_language": "français",
        },
    )
    assert bad.status_code == 200 and "fr_FR" in bad.content.decode()
