"""Inbox helpers: a second channel of organisation A, a short way to receive a message, and
the fake network and received messages the reply tests answer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import httpx
import pytest
from django.utils import timezone
from tests.inbox import reply_helpers
from tests.providers.contracts import google_business as google
from tests.providers.contracts import whatsapp as wa
from tests.providers.fakenet import FakeNetwork, fake_network

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.inbox.actions import do_ingest_item
from hygie.inbox.models import InboxItem
from hygie.providers import http as provider_http

_ids = count(1)


def receive(
    channel: Channel,
    text: str = "Bonjour",
    *,
    kind: str = "comment",
    author: str = "Nadia",
    ago: timedelta = timedelta(minutes=5),
    at: datetime | None = None,
    **extra: Any,
) -> InboxItem:
    """One message from ``author`` (a fresh network id unless ``external_id`` is given)."""
    extra.setdefault("external_id", f"msg-{next(_ids)}")
    item, _created = do_ingest_item(
        channel,
        kind=kind,
        author_name=author,
        text=text,
        received_at=at or timezone.now() - ago,
        **extra,
    )
    return item


@pytest.fixture
def bluesky_a(org_a: Organization, alice: User) -> Channel:
    return do_connect_channel(
        org_a, network=Network.BLUESKY, name="Alpha sky", handle="alpha.bsky", acting_user=alice
    )


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


@pytest.fixture
def review(org_a: Organization, alice: User, net: FakeNetwork) -> InboxItem:
    channel = reply_helpers.connect(
        org_a,
        alice,
        net,
        Network.GOOGLE_BUSINESS,
        credentials={"access_token": "tok"},
        location=google.LOCATION,
    )
    return reply_helpers.receive(
        channel,
        "Très bonne pharmacie, on m'a bien expliqué mon nouveau traitement.",
        kind="review",
        external_id=google.REVIEW,
        author_name="Marie D.",
        rating=5,
    )


@pytest.fixture
def mastodon_mention(org_a: Organization, alice: User, net: FakeNetwork) -> InboxItem:
    channel = reply_helpers.connect(org_a, alice, net, Network.MASTODON)
    return reply_helpers.receive(
        channel,
        "@pharmacie vous êtes ouverts dimanche ?",
        kind="mention",
        external_id="103186126728896492",
        author_name="zsc",
        author_handle="zsc@mastodon.test",
    )


@pytest.fixture
def short_timeout() -> Iterator[None]:
    """The process's HTTP client with a half-second timeout (a late answer is a timeout)."""
    original = provider_http._shared
    client = provider_http.ProviderHttp(timeout=httpx.Timeout(0.5, connect=1.0))
    provider_http._shared = (os.getpid(), client)
    yield
    provider_http._shared = original
    client.close()


@pytest.fixture
def whatsapp_message(org_a: Organization, alice: User, net: FakeNetwork) -> InboxItem:
    channel = reply_helpers.connect(
        org_a,
        alice,
        net,
        Network.WHATSAPP,
        credentials={"access_token": "wa-tok"},
        phone_number_id=wa.PHONE_NUMBER_ID,
    )
    return reply_helpers.receive(
        channel,
        "Bonjour, mon ordonnance est prête ?",
        kind="direct_message",
        external_id=wa.INBOUND_ID,
        author_name="Sheena Nelson",
        author_handle=wa.WA_ID,
    )
