"""Tokens are refreshed before they expire; a refused refresh asks the user to reconnect."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from tests.providers.fakenet import FakeNetwork, Reply, fake_network

from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel
from hygie.channels.tokens import refresh_expiring

pytestmark = pytest.mark.django_db


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


def x_channel(org: Organization, user: User, net: FakeNetwork, expires_in: float) -> Channel:
    credentials = {
        "access_token": "old",
        "refresh_token": "r1",
        "client_id": "cid",
        "expires_at": time.time() + expires_in,
    }
    return do_connect_channel(
        org,
        network="x",
        name="X",
        handle="@alpha",
        acting_user=user,
        credentials=json.dumps(credentials),
        base_url=net.url,
    )


def test_a_token_about_to_expire_is_refreshed_and_stored(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    net.route(
        "POST",
        r"/2/oauth2/token",
        Reply(
            200,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": "new",
                "refresh_token": "r2",
            },
        ),
    )
    soon = x_channel(org_a, alice, net, expires_in=600)
    assert refresh_expiring() == {"refreshed": 1, "needs_reconnect": 0, "failed": 0}
    soon.refresh_from_db()
    assert soon.credentials_dict()["access_token"] == "new"
    assert soon.credentials_dict()["refresh_token"] == "r2"  # rotated
    assert AuditEvent.objects.filter(verb="channel.token_refreshed").count() == 1


def test_a_token_far_from_expiry_is_left_alone(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    x_channel(org_a, alice, net, expires_in=7 * 24 * 3600)
    assert refresh_expiring()["refreshed"] == 0
    assert net.requests == []


def test_a_refused_refresh_puts_the_channel_in_reconnect_state(
    alice: User, org_a: Organization, net: FakeNetwork, alice_client: object
) -> None:
    net.route(
        "POST",
        r"/2/oauth2/token",
        Reply(
            400,
            {
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid.",
            },
        ),
    )
    channel = x_channel(org_a, alice, net, expires_in=60)
    assert refresh_expiring()["needs_reconnect"] == 1
    channel.refresh_from_db()
    assert channel.status == "needs_reconnect"
    from django.test import Client

    assert isinstance(alice_client, Client)
    page = alice_client.get("/o/alpha/channels/").content.decode()
    assert "Reconnect" in page or "Reconnecter" in page
