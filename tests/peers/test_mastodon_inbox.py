"""Mastodon mentions, answers and direct messages reach the inbox by polling, against
mastodon-mock (a stateful implementation of the Mastodon REST API): the pharmacy is the seeded
account ``alice``, a patient is ``bob``."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, PollState, RateLimitState
from hygie.inbox import polling
from hygie.inbox.models import InboxItem
from hygie.inbox.tasks import poll_inboxes

pytestmark = pytest.mark.django_db


def connect(server: Any, org: Organization, user: User) -> Channel:
    return do_connect_channel(
        org,
        network="mastodon",
        name="Pharmacie Alpha",
        handle="@alice@mock",
        credentials=json.dumps({"access_token": server._resolve_token(None)}),
        base_url=server.base_url,
        acting_user=user,
    )


def test_a_mention_an_answer_and_a_direct_message_arrive_in_the_inbox(
    mastodon_mock_server: Any, alice: User, org_a: Organization
) -> None:
    server = mastodon_mock_server
    pharmacy, patient = server.client(), server.client("bob")
    channel = connect(server, org_a, alice)
    ours = pharmacy.status_post("Vaccination grippe : sans rendez-vous le matin.")
    answer = patient.status_post("@alice et le samedi ?", in_reply_to_id=ours["id"])
    mention = patient.status_post("Merci à @alice pour ses conseils !")
    direct = patient.status_post(
        "@alice bonjour, mon ordonnance est-elle prête ?", visibility="direct"
    )

    outcome = polling.poll_channel(channel.pk)

    assert (outcome.status, outcome.ingested) == ("polled", 3)
    items = {i.external_id: i for i in InboxItem.objects.filter(channel=channel)}
    assert items[str(answer["id"])].kind == "comment"
    assert items[str(answer["id"])].parent_external_id == str(ours["id"])
    assert items[str(answer["id"])].conversation.thread_external_id == str(ours["id"])
    assert items[str(mention["id"])].kind == "mention"
    dm = items[str(direct["id"])]
    assert dm.kind == "direct_message"
    assert dm.text == "@alice bonjour, mon ordonnance est-elle prête ?"
    assert dm.author_handle == "@bob"
    assert dm.extra == {"acct": "bob", "visibility": "direct", "status_id": str(direct["id"])}
    assert dm.conversation.kind == "direct"

    # Nothing new, nothing stored; the next direct message joins the same conversation.
    assert polling.poll_channel(channel.pk).ingested == 0
    follow_up = patient.status_post("@alice je passe demain.", visibility="direct")
    assert polling.poll_channel(channel.pk).ingested == 1
    assert InboxItem.objects.get(external_id=str(follow_up["id"])).conversation == dm.conversation


def test_an_instance_that_slows_hygie_down_holds_the_channel_until_it_says(
    mastodon_mock_server: Any, alice: User, org_a: Organization
) -> None:
    server = mastodon_mock_server
    channel = connect(server, org_a, alice)
    rule = {
        "match": {"methods": ["GET"], "path": "/api/v1/notifications", "path_regex": None},
        "effect": {"type": "status", "status": 429, "headers": {"Retry-After": "120"}},
        "count": 1,
    }
    # (mastodon-mock 0.6.1's own fault helper imports a module that does not exist.)
    httpx.post(f"{server.base_url}/api/v1/_mock/faults", json=rule).raise_for_status()
    assert polling.poll_channel(channel.pk).status == "rate_limited"
    assert RateLimitState.objects.get(scope=f"channel:{channel.pk}").reason
    assert channel.pk not in polling.due_channels()
    assert polling.poll_channel(channel.pk).status == "rate_limited"  # still held


def test_the_scheduled_task_polls_every_connected_channel_of_a_polled_network(
    mastodon_mock_server: Any, alice: User, org_a: Organization, channel_a: Channel
) -> None:
    server = mastodon_mock_server
    channel = connect(server, org_a, alice)
    server.client("bob").status_post("@alice une question sur les horaires de garde")

    queued = poll_inboxes.delay().get()  # eager in tests: each poll_channel runs at once

    # The Facebook page is not polled (Meta pushes by webhook); the Mastodon account is.
    assert queued == 1
    assert InboxItem.objects.filter(channel=channel).count() == 1
    assert not InboxItem.objects.filter(channel=channel_a).exists()
    assert PollState.objects.get(channel=channel).last_success_at is not None
