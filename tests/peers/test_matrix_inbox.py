"""A Matrix direct message round-trips through Hygie, against a real Synapse on loopback:
a person writes to the pharmacy's Matrix account, a poll brings the message into the inbox, the
answer sent from Hygie arrives back in the person's room."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, ChannelStatus, PollState
from hygie.inbox import polling
from hygie.inbox.models import Conversation, InboxItem
from hygie.providers.errors import AuthExpired
from hygie.providers.inbound import ReplyTarget
from hygie.providers.matrix.provider import MatrixProvider

from .matrix import MatrixPeer

pytestmark = [pytest.mark.matrix, pytest.mark.django_db]


def connect(peer: MatrixPeer, org: Organization, user: User, account: dict[str, Any]) -> Channel:
    connected = MatrixProvider.connect(peer.url, access_token=account["access_token"])
    return do_connect_channel(
        org,
        network="matrix",
        name="Pharmacie Alpha",
        handle=connected.handle,
        credentials=json.dumps(connected.credentials),
        base_url=peer.url,
        acting_user=user,
    )


def target_of(item: InboxItem) -> ReplyTarget:
    return ReplyTarget(
        kind=item.kind,
        external_id=item.external_id,
        thread_id=item.conversation.thread_external_id,
        author_id=item.author.external_id if item.author else "",
        extra=item.extra,
    )


def test_a_direct_message_arrives_in_the_inbox_and_the_answer_arrives_in_the_room(
    matrix_peer: MatrixPeer, alice: User, org_a: Organization
) -> None:
    peer = matrix_peer
    pharmacy = peer.register("pharmacie-alpha")
    patient = peer.register("camille")
    channel = connect(peer, org_a, alice, pharmacy)
    assert channel.handle == pharmacy["user_id"]
    room = peer.create_dm(patient, invite=pharmacy["user_id"])
    asked = peer.send(patient, room, "Bonjour, avez-vous du paracétamol pour enfant ?")

    outcome = polling.poll_channel(channel.pk)

    assert (outcome.status, outcome.ingested) == ("polled", 1)
    item = InboxItem.objects.get(channel=channel)
    assert item.external_id == asked
    assert item.kind == "direct_message"
    assert item.text == "Bonjour, avez-vous du paracétamol pour enfant ?"
    assert item.author_handle == patient["user_id"]
    assert item.extra == {"room_id": room, "event_id": asked}
    assert item.conversation.kind == "direct"
    assert item.conversation.thread_external_id == room

    provider = polling.build_provider(channel)
    answer = "Bonjour, oui : passez à la pharmacie, nous l'avons en sirop."
    sent = provider.reply(target_of(item), answer, idempotency_key="hygie-reply-1")
    # A retry with the same key (the answer was lost) is the same message, not a second one.
    again = provider.reply(target_of(item), answer, idempotency_key="hygie-reply-1")
    assert again.external_id == sent.external_id

    messages = peer.messages(patient, room)
    answers = [m for m in messages if m["sender"] == pharmacy["user_id"]]
    assert [m["content"]["body"] for m in answers] == [answer]
    assert answers[0]["event_id"] == sent.external_id
    assert answers[0]["content"]["m.relates_to"] == {"m.in_reply_to": {"event_id": asked}}

    # The next poll brings the person's next message into the same conversation, and not the
    # pharmacy's own answer.
    peer.send(patient, room, "Merci, j'arrive !")
    assert polling.poll_channel(channel.pk).ingested == 1
    conversation = Conversation.objects.get(channel=channel)
    assert [i.text for i in conversation.items.order_by("received_at")] == [
        "Bonjour, avez-vous du paracétamol pour enfant ?",
        "Merci, j'arrive !",
    ]
    assert polling.poll_channel(channel.pk).ingested == 0


def test_the_cursor_only_moves_forward_and_a_running_poll_is_not_doubled(
    matrix_peer: MatrixPeer, alice: User, org_a: Organization
) -> None:
    peer = matrix_peer
    pharmacy = peer.register("pharmacie-curseur")
    patient = peer.register("dominique")
    channel = connect(peer, org_a, alice, pharmacy)
    room = peer.create_dm(patient, invite=pharmacy["user_id"])
    peer.send(patient, room, "Première question")
    assert polling.poll_channel(channel.pk).ingested == 1
    state = PollState.objects.get(channel=channel)
    cursor = state.cursor
    assert cursor

    # A poll that started from an older position and ends late does not move the cursor back.
    stale = polling.PollOutcome("polled")
    assert not polling._finish(channel, state, "other", "", "s1_older", stale, timezone.now())
    state.refresh_from_db()
    assert state.cursor == cursor

    # While another worker holds the lease, a second poll of the channel does nothing.
    token_holder = polling._claim(channel, timezone.now())
    assert token_holder is not None
    peer.send(patient, room, "Deuxième question")
    assert polling.poll_channel(channel.pk).status == "busy"
    assert channel.pk not in polling.due_channels()
    PollState.objects.filter(pk=state.pk).update(lease_until=None)
    assert polling.poll_channel(channel.pk).ingested == 1
    assert InboxItem.objects.filter(channel=channel).count() == 2


def test_a_revoked_token_asks_for_reconnection_and_stops_polling(
    matrix_peer: MatrixPeer, alice: User, org_a: Organization
) -> None:
    peer = matrix_peer
    pharmacy = peer.register("pharmacie-revoquee")
    channel = connect(peer, org_a, alice, pharmacy)
    peer.call("POST", "/_matrix/client/v3/logout", pharmacy["access_token"], json={})

    outcome = polling.poll_channel(channel.pk)

    assert outcome.status == "needs_reconnect"
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert channel.pk not in polling.due_channels()
    with pytest.raises(AuthExpired):
        MatrixProvider.connect(peer.url, access_token=pharmacy["access_token"])


def test_a_member_connects_the_matrix_account_with_its_password_and_hygie_keeps_a_token(
    matrix_peer: MatrixPeer, alice_client: Client, org_a: Organization
) -> None:
    peer = matrix_peer
    pharmacy = peer.register("pharmacie-connexion", password="mot de passe matrix")
    url = reverse("channels:connect_matrix", kwargs={"org_slug": org_a.slug})
    assert alice_client.get(url).status_code == 200

    refused = alice_client.post(
        url, {"server": peer.url, "user_id": pharmacy["user_id"], "password": "faux"}
    )
    assert refused.status_code == 200 and not Channel.objects.filter(network="matrix").exists()

    answer = alice_client.post(
        url,
        {"server": peer.url, "user_id": pharmacy["user_id"], "password": "mot de passe matrix"},
    )

    assert answer.status_code == 302
    channel = Channel.objects.get(organization=org_a, network="matrix")
    assert channel.handle == pharmacy["user_id"]
    assert channel.base_url == peer.url
    credentials = channel.credentials_dict()
    assert credentials["access_token"] and "mot de passe" not in json.dumps(credentials)
    with connection.cursor() as cursor:  # encrypted at rest: the token is not in the row
        cursor.execute("SELECT credentials FROM channels_channel WHERE id = %s", [channel.pk])
        assert credentials["access_token"] not in cursor.fetchone()[0]
    whoami = peer.call("GET", "/_matrix/client/v3/account/whoami", credentials["access_token"])
    assert whoami["user_id"] == pharmacy["user_id"]
