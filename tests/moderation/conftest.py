"""Moderation helpers: organisation A's channels on each network, played by the fake network
from the published contracts (tests/providers/contracts), and messages received on them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from django.utils import timezone
from tests.providers.contracts import bluesky as bsky
from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import instagram as ig
from tests.providers.contracts import mastodon as masto
from tests.providers.fakenet import FakeNetwork, fake_network

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.inbox.actions import do_ingest_item
from hygie.inbox.models import InboxItem

_ids = count(1)


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        fb.install_moderation(network)
        ig.install_moderation(network)
        masto.install_moderation(network)
        yield network


@pytest.fixture
def bsky_repo(net: FakeNetwork) -> bsky.Repository:
    return bsky.install_moderation(net)


def connect(org: Organization, user: User, network: str, account: Any, base_url: str) -> Channel:
    return do_connect_channel(
        org,
        network=network,
        name=f"Alpha {network}",
        handle=account.handle,
        credentials=json.dumps(account.credentials),
        settings=dict(account.settings),
        base_url=base_url,
        acting_user=user,
    )


@pytest.fixture
def facebook(org_a: Organization, alice: User, net: FakeNetwork) -> Channel:
    return connect(org_a, alice, Network.FACEBOOK_PAGE, fb.account(net.url), net.url)


@pytest.fixture
def instagram(org_a: Organization, alice: User, net: FakeNetwork) -> Channel:
    return connect(org_a, alice, Network.INSTAGRAM, ig.account(net.url), net.url)


@pytest.fixture
def mastodon(org_a: Organization, alice: User, net: FakeNetwork) -> Channel:
    return connect(org_a, alice, Network.MASTODON, masto.account(net.url), net.url)


@pytest.fixture
def bluesky(
    org_a: Organization, alice: User, net: FakeNetwork, bsky_repo: bsky.Repository
) -> Channel:
    return connect(org_a, alice, Network.BLUESKY, bsky.account(net.url), net.url)


def receive(
    channel: Channel,
    text: str = "Bonjour",
    *,
    kind: str = "comment",
    external_id: str = "",
    author_external_id: str = "",
    **extra: Any,
) -> InboxItem:
    item, _created = do_ingest_item(
        channel,
        kind=kind,
        external_id=external_id or f"mod-{next(_ids)}",
        author_name="Troll",
        author_handle="@troll",
        author_external_id=author_external_id or "troll",
        text=text,
        received_at=timezone.now() - timedelta(minutes=3),
        permalink="https://example.org/comment",
        **extra,
    )
    return item


@pytest.fixture
def fb_comment(facebook: Channel) -> InboxItem:
    return receive(
        facebook,
        "Vous êtes des escrocs",
        external_id=fb.COMMENT_ID,
        author_external_id=fb.COMMENTER_ID,
        thread_external_id=fb.POST_ID,
    )


@pytest.fixture
def ig_comment(instagram: Channel) -> InboxItem:
    return receive(instagram, "Arnaque !", external_id=ig.COMMENT_ID, author_external_id="ig-1")


@pytest.fixture
def masto_mention(mastodon: Channel) -> InboxItem:
    return receive(
        mastodon,
        "@pharma arnaque",
        kind="mention",
        external_id="103186126728896492",
        author_external_id=masto.ACCOUNT_ID,
    )


@pytest.fixture
def bsky_reply(bluesky: Channel) -> InboxItem:
    return receive(
        bluesky,
        "Escrocs",
        external_id=bsky.REPLY_URI,
        author_external_id=bsky.TROLL_DID,
        thread_external_id=bsky.ROOT_URI,
        extra={"root_uri": bsky.ROOT_URI},
    )
