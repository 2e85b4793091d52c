"""Connecting channels: Bluesky app passwords, Mastodon tokens; credentials stored encrypted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from tests.providers.fakenet import FakeNetwork, Reply, fake_network

from hygie.accounts.models import Organization
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


def stored_credentials(channel: Channel) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_channel WHERE id = %s", [channel.pk])
        return str(cursor.fetchone()[0])


def test_a_mastodon_account_is_connected_with_a_token_checked_on_the_instance(
    alice_client: Client, org_a: Organization, net: FakeNetwork
) -> None:
    net.route(
        "GET",
        r"/api/v1/accounts/verify_credentials",
        Reply(
            200,
            {"id": "1", "username": "pharma", "acct": "pharma", "display_name": "Pharmacie Alpha"},
        ),
    )
    response = alice_client.post(
        "/o/alpha/channels/connect/mastodon/",
        {"server": net.url, "access_token": "secret-token-123"},
    )
    assert response.status_code == 302
    channel = Channel.objects.get(organization=org_a, network="mastodon")
    assert channel.handle == f"@pharma@{net.url.split('://')[1]}"
    assert channel.base_url == net.url
    assert channel.credentials_dict() == {"access_token": "secret-token-123"}
    assert "secret-token-123" not in stored_credentials(channel)
    assert (
        net.requests_to("GET", r"/api/v1/accounts/verify_credentials")[0].headers["authorization"]
        == "Bearer secret-token-123"
    )
    event = AuditEvent.objects.get(verb="channel.connected", organization=org_a)
    assert "secret-token-123" not in str(event.after)


def test_a_token_the_instance_refuses_connects_nothing(
    alice_client: Client, org_a: Organization, net: FakeNetwork
) -> None:
    net.route(
        "GET",
        r"/api/v1/accounts/verify_credentials",
        Reply(401, {"error": "The access token is invalid"}),
    )
    response = alice_client.post(
        "/o/alpha/channels/connect/mastodon/", {"server": net.url, "access_token": "bad"}
    )
    assert response.status_code == 200
    assert "The access token is invalid" in response.content.decode()
    assert not Channel.objects.filter(organization=org_a).exists()


def test_a_bluesky_account_is_connected_with_an_app_password(
    alice_client: Client, org_a: Organization, net: FakeNetwork
) -> None:
    net.route(
        "POST",
        r"/xrpc/com\.atproto\.server\.createSession",
        Reply(
            200,
            {
                "did": "did:plc:abc",
                "handle": "alpha.bsky.social",
                "accessJwt": "a.b.c",
                "refreshJwt": "r.s.t",
            },
        ),
    )
    alice_client.post(
        "/o/alpha/channels/connect/bluesky/",
        {
            "identifier": "@alpha.bsky.social",
            "app_password": "abcd-efgh-ijkl-mnop",
            "server": net.url,
        },
    )
    channel = Channel.objects.get(organization=org_a, network="bluesky")
    assert channel.handle == "alpha.bsky.social"
    assert channel.credentials_dict()["did"] == "did:plc:abc"
    login = net.requests_to("POST", r"/xrpc/com\.atproto\.server\.createSession")[0].json()
    assert login == {"identifier": "alpha.bsky.social", "password": "abcd-efgh-ijkl-mnop"}


def test_a_server_address_that_is_not_a_web_address_is_refused(
    alice_client: Client, org_a: Organization
) -> None:
    response = alice_client.post(
        "/o/alpha/channels/connect/mastodon/", {"server": "file:///etc/passwd", "access_token": "x"}
    )
    assert response.status_code == 200
    assert not Channel.objects.filter(organization=org_a).exists()


def test_networks_without_an_oauth_application_say_what_the_operator_must_set(
    alice_client: Client,
) -> None:
    page = alice_client.get("/o/alpha/channels/connect/").content.decode()
    assert "HYGIE_OAUTH_LINKEDIN_ORG_CLIENT_ID" in page
    assert alice_client.post("/o/alpha/channels/connect/x/authorise/").status_code == 404


def test_an_oauth_return_without_the_state_we_issued_is_refused(
    alice_client: Client, org_a: Organization
) -> None:
    response = alice_client.get("/channels/oauth/x/callback/?code=abc&state=forged")
    assert response.status_code == 302
    assert not Channel.objects.filter(organization=org_a).exists()


def test_an_x_account_is_connected_through_oauth_with_pkce(
    alice_client: Client, org_a: Organization, net: FakeNetwork, settings: object
) -> None:
    from urllib.parse import parse_qs, urlparse

    settings.HYGIE_OAUTH_APPS = {"x": {"client_id": "cid", "client_secret": ""}}  # type: ignore[attr-defined]
    settings.HYGIE_PROVIDER_BASE_URLS = {"x": net.url}  # type: ignore[attr-defined]
    net.route(
        "POST",
        r"/2/oauth2/token",
        Reply(
            200,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": "acc",
                "scope": "tweet.write",
                "refresh_token": "ref",
            },
        ),
    )
    net.route(
        "GET",
        r"/2/users/me",
        Reply(200, {"data": {"id": "42", "name": "Pharmacie Alpha", "username": "alpha"}}),
    )
    start = alice_client.post("/o/alpha/channels/connect/x/authorise/")
    query = parse_qs(urlparse(start.url).query)
    assert query["client_id"] == ["cid"] and query["code_challenge_method"] == ["S256"]
    state = query["state"][0]
    back = alice_client.get(f"/channels/oauth/x/callback/?code=the-code&state={state}")
    assert back.url == "/o/alpha/channels/connect/choose/"
    token_request = net.requests_to("POST", r"/2/oauth2/token")[0]
    assert b"code_verifier=" in token_request.body and b"code=the-code" in token_request.body
    choose = alice_client.get("/o/alpha/channels/connect/choose/").content.decode()
    assert "@alpha" in choose
    alice_client.post("/o/alpha/channels/connect/choose/", {"account": ["@alpha"]})
    channel = Channel.objects.get(organization=org_a, network="x")
    assert channel.credentials_dict()["access_token"] == "acc"
    assert channel.credentials_dict()["expires_at"] > 0
    # The state is single use.
    again = alice_client.get(f"/channels/oauth/x/callback/?code=the-code&state={state}")
    assert again.url == "/"


def test_a_whatsapp_number_is_connected_with_its_id_and_a_token_checked_on_the_graph(
    alice_client: Client, org_a: Organization, net: FakeNetwork, settings: object
) -> None:
    settings.HYGIE_PROVIDER_BASE_URLS = {"whatsapp": net.url}  # type: ignore[attr-defined]
    net.route(
        "GET",
        r"/v23\.0/106540352242922",
        Reply(
            200,
            {
                "display_phone_number": "+33 1 23 45 67 89",
                "verified_name": "Pharmacie Alpha",
                "id": "106540352242922",
            },
        ),
    )
    response = alice_client.post(
        "/o/alpha/channels/connect/whatsapp/",
        {"phone_number_id": "106540352242922", "access_token": "system-user-token"},
    )
    assert response.status_code == 302
    channel = Channel.objects.get(organization=org_a, network="whatsapp")
    assert channel.settings == {"phone_number_id": "106540352242922"}
    assert channel.handle == "+33 1 23 45 67 89"
    assert channel.credentials_dict() == {"access_token": "system-user-token"}
    assert "system-user-token" not in stored_credentials(channel)
    [request] = net.requests_to("GET", r"/v23\.0/106540352242922")
    assert request.headers["authorization"] == "Bearer system-user-token"


def test_a_whatsapp_number_id_that_is_not_digits_is_refused_before_any_call(
    alice_client: Client, org_a: Organization, net: FakeNetwork
) -> None:
    response = alice_client.post(
        "/o/alpha/channels/connect/whatsapp/",
        {"phone_number_id": "+33 1 23", "access_token": "t"},
    )
    assert response.status_code == 200
    assert not Channel.objects.filter(organization=org_a).exists()
    assert not net.requests
