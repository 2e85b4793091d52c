"""Connecting a channel: the authorization URL, the code exchange and the account discovery of
the five OAuth networks, against the fake network.

Token and listing bodies follow shared/research/provider-apis.md (§1.1 Facebook Login and Page
tokens, §2 Instagram through the Page, §4.1 LinkedIn, §5.1 X, §6.1 Google). Where the digest
gives no body, the shape is the vendor reference's and marked ❓: LinkedIn's organizationAcls and
organizations, X's /2/users/me, Google's accounts and locations lists.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import google_business, linkedin_org, x
from tests.providers.contracts import instagram as ig
from tests.providers.fakenet import FakeNetwork, Recorded, Reply, fake_network

from hygie.providers.base import Account, OAuthApp, Provider
from hygie.providers.errors import AuthExpired, Rejected, Transient
from hygie.providers.facebook_page.provider import FacebookPageProvider
from hygie.providers.google_business.provider import GoogleBusinessProvider
from hygie.providers.http import ProviderHttp
from hygie.providers.instagram.provider import InstagramProvider
from hygie.providers.linkedin_org.provider import LinkedInOrgProvider
from hygie.providers.oauth import (
    code_challenge,
    credentials_from,
    expires_at,
    new_code_verifier,
)
from hygie.providers.versions import API_VERSIONS
from hygie.providers.x.provider import XProvider

APP = OAuthApp(client_id="app-id", client_secret="app-secret")
REDIRECT = "https://hygie.example/channels/connect/callback/"
STATE = "c2F0ZS1vZi10aGUtZmxvdw"
# RFC 7636 appendix B.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
META_V = API_VERSIONS["facebook_page"]
XV = API_VERSIONS["x"]

# §1.1: the long-lived user token (the short-lived one has the same shape, lasting hours).
FB_SHORT_TOKEN = {"access_token": "EAAB-short", "token_type": "bearer", "expires_in": 5400}
FB_LONG_TOKEN = {"access_token": "EAAB-long", "token_type": "bearer", "expires_in": 5183944}
SECOND_PAGE_ID = "101202303404999"


def fb_page(page_id: str, name: str, token: str) -> dict[str, Any]:
    """One element of GET /{user-id}/accounts (§1.1)."""
    return {
        "access_token": token,
        "category": "Pharmacy / Drugstore",
        "category_list": [{"id": "164527743596405", "name": "Pharmacy / Drugstore"}],
        "name": name,
        "id": page_id,
        "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT"],
    }


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


def http() -> ProviderHttp:
    return ProviderHttp(timeout=httpx.Timeout(5.0, connect=2.0))


def form(request: Recorded) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.body.decode()).items()}


def query_of(raw: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}


def split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", query_of(parts.query)


# --- PKCE and expiry helpers -----------------------------------------------------------------


def test_the_pkce_challenge_of_the_rfc_7636_example_is_the_published_one() -> None:
    assert code_challenge(VERIFIER) == CHALLENGE


def test_a_new_code_verifier_is_a_valid_random_verifier() -> None:
    first, second = new_code_verifier(), new_code_verifier()
    assert first != second
    assert 43 <= len(first) <= 128
    assert len(code_challenge(first)) == 43  # SHA-256, base64url without padding


def test_a_verifier_outside_the_rfc_7636_alphabet_or_length_is_refused() -> None:
    with pytest.raises(ValueError, match="43-128"):
        code_challenge("too-short")
    with pytest.raises(ValueError, match="43-128"):
        code_challenge("é" * 50)


def test_expires_in_becomes_epoch_seconds_and_absent_means_unknown() -> None:
    assert expires_at(3600, now=1_000.0) == 4_600.0
    assert expires_at("5183944", now=0.0) == 5183944.0
    assert expires_at(None) is None
    credentials = credentials_from({"access_token": "a", "expires_in": 60}, now=100.0)
    assert credentials == {"access_token": "a", "expires_at": 160.0}


# --- authorization URL ----------------------------------------------------------------------

AUTHORIZE = [
    pytest.param(
        FacebookPageProvider,
        f"https://www.facebook.com/{META_V}/dialog/oauth",
        "pages_show_list,pages_manage_posts,pages_read_engagement,pages_manage_engagement,"
        "pages_read_user_content",
        False,
        id="facebook",
    ),
    pytest.param(
        InstagramProvider,
        f"https://www.facebook.com/{API_VERSIONS['instagram']}/dialog/oauth",
        "pages_show_list,pages_read_engagement,instagram_basic,instagram_content_publish,"
        "instagram_manage_comments",
        False,
        id="instagram",
    ),
    pytest.param(
        LinkedInOrgProvider,
        "https://www.linkedin.com/oauth/v2/authorization",
        "w_organization_social r_organization_social rw_organization_admin",
        False,
        id="linkedin",
    ),
    pytest.param(
        XProvider,
        "https://x.com/i/oauth2/authorize",
        "tweet.read tweet.write users.read media.write offline.access",
        True,
        id="x",
    ),
    pytest.param(
        GoogleBusinessProvider,
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://www.googleapis.com/auth/business.manage",
        True,
        id="google",
    ),
]


@pytest.mark.parametrize(("provider", "endpoint", "scope", "pkce"), AUTHORIZE)
def test_the_authorization_url_carries_the_client_the_redirect_the_state_and_the_scopes(
    provider: type[Provider], endpoint: str, scope: str, pkce: bool
) -> None:
    url = provider.authorization_url(
        APP, redirect_uri=REDIRECT, state=STATE, code_challenge=CHALLENGE
    )
    where, query = split(url)
    assert where == endpoint
    assert query["response_type"] == "code"
    assert query["client_id"] == "app-id"
    assert query["redirect_uri"] == REDIRECT
    assert query["state"] == STATE
    assert query["scope"] == scope
    if pkce:
        assert query["code_challenge"] == CHALLENGE
        assert query["code_challenge_method"] == "S256"
    else:
        assert "code_challenge" not in query and "code_challenge_method" not in query
    assert "client_secret" not in query
    assert "app-secret" not in url
    assert "+" not in url  # spaces travel as %20


def test_google_asks_for_offline_access_and_consent_so_a_refresh_token_is_issued() -> None:
    url = GoogleBusinessProvider.authorization_url(
        APP, redirect_uri=REDIRECT, state=STATE, code_challenge=CHALLENGE
    )
    _where, query = split(url)
    assert query["access_type"] == "offline"
    assert query["prompt"] == "consent"


def test_x_asks_for_offline_access_even_when_the_operator_narrows_the_scopes() -> None:
    app = OAuthApp(client_id="app-id", scopes=("tweet.read", "tweet.write", "users.read"))
    url = XProvider.authorization_url(
        app, redirect_uri=REDIRECT, state=STATE, code_challenge=CHALLENGE
    )
    _where, query = split(url)
    assert query["scope"] == "tweet.read tweet.write users.read offline.access"


def test_the_operators_scopes_replace_the_networks_defaults() -> None:
    app = OAuthApp(client_id="app-id", scopes=("w_organization_social",))
    url = LinkedInOrgProvider.authorization_url(
        app, redirect_uri=REDIRECT, state=STATE, code_challenge=CHALLENGE
    )
    assert split(url)[1]["scope"] == "w_organization_social"


@pytest.mark.parametrize("provider", [XProvider, GoogleBusinessProvider], ids=["x", "google"])
def test_a_pkce_network_refuses_to_build_a_url_without_a_challenge(
    provider: type[Provider],
) -> None:
    with pytest.raises(ValueError, match="PKCE"):
        provider.authorization_url(APP, redirect_uri=REDIRECT, state=STATE, code_challenge="")


def test_the_token_endpoints_are_the_networks_production_ones() -> None:
    endpoints = {
        kind: provider.oauth.token_url if provider.oauth else None
        for kind, provider in [
            ("facebook", FacebookPageProvider),
            ("instagram", InstagramProvider),
            ("linkedin", LinkedInOrgProvider),
            ("x", XProvider),
            ("google", GoogleBusinessProvider),
        ]
    }
    assert endpoints == {
        "facebook": f"https://graph.facebook.com/{META_V}/oauth/access_token",
        "instagram": f"https://graph.facebook.com/{API_VERSIONS['instagram']}/oauth/access_token",
        "linkedin": "https://www.linkedin.com/oauth/v2/accessToken",
        "x": "https://api.x.com/2/oauth2/token",
        "google": "https://oauth2.googleapis.com/token",
    }


# --- code exchange --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "provider", [FacebookPageProvider, InstagramProvider], ids=["facebook", "instagram"]
)
def test_meta_trades_the_code_then_the_short_lived_token_for_a_long_lived_one(
    net: FakeNetwork, provider: type[Provider]
) -> None:
    net.route("POST", rf"/{META_V}/oauth/access_token", Reply(200, FB_SHORT_TOKEN))
    net.route("GET", rf"/{META_V}/oauth/access_token", Reply(200, FB_LONG_TOKEN))
    credentials = provider.exchange_code(
        APP,
        code="AQD-code",
        redirect_uri=REDIRECT,
        code_verifier=VERIFIER,
        http=http(),
        base_url=net.url,
    )
    code_request, exchange_request = net.requests
    assert code_request.method == "POST"
    assert code_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(code_request) == {
        "grant_type": "authorization_code",
        "code": "AQD-code",
        "redirect_uri": REDIRECT,
        "client_id": "app-id",
        "client_secret": "app-secret",
    }
    assert exchange_request.method == "GET"
    assert query_of(exchange_request.query) == {
        "grant_type": "fb_exchange_token",
        "client_id": "app-id",
        "client_secret": "app-secret",
        "fb_exchange_token": "EAAB-short",
    }
    assert credentials["access_token"] == "EAAB-long"
    assert abs(credentials["expires_at"] - (time.time() + 5183944)) < 60
    assert "refresh_token" not in credentials  # Meta has none: log in again


def test_linkedin_posts_the_code_without_pkce_and_keeps_both_expiries(net: FakeNetwork) -> None:
    net.route(
        "POST",
        r"/oauth/v2/accessToken",
        Reply(
            200,
            {
                "access_token": "AQV-access",
                "expires_in": 5184000,
                "refresh_token": "AQX-refresh",
                "refresh_token_expires_in": 31536000,
                "scope": "r_organization_social,rw_organization_admin,w_organization_social",
            },
        ),
    )
    credentials = LinkedInOrgProvider.exchange_code(
        APP,
        code="AQT-code",
        redirect_uri=REDIRECT,
        code_verifier=VERIFIER,
        http=http(),
        base_url=net.url,
    )
    (request,) = net.requests
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(request) == {
        "grant_type": "authorization_code",
        "code": "AQT-code",
        "redirect_uri": REDIRECT,
        "client_id": "app-id",
        "client_secret": "app-secret",
    }
    assert credentials["access_token"] == "AQV-access"
    assert credentials["refresh_token"] == "AQX-refresh"
    assert abs(credentials["expires_at"] - (time.time() + 5184000)) < 60
    assert abs(credentials["refresh_expires_at"] - (time.time() + 31536000)) < 60


X_TOKEN = {
    "token_type": "bearer",
    "expires_in": 7200,
    "access_token": "WkNJR-access",
    "scope": "tweet.read tweet.write users.read media.write offline.access",
    "refresh_token": "bWRWa3gz-refresh",
}


def test_x_posts_the_code_with_the_verifier_and_basic_auth_for_a_confidential_client(
    net: FakeNetwork,
) -> None:
    net.route("POST", rf"/{XV}/oauth2/token", Reply(200, X_TOKEN))
    credentials = XProvider.exchange_code(
        APP,
        code="VGNibzFWZ-code",
        redirect_uri=REDIRECT,
        code_verifier=VERIFIER,
        http=http(),
        base_url=net.url,
    )
    (request,) = net.requests
    assert form(request) == {
        "code": "VGNibzFWZ-code",
        "grant_type": "authorization_code",
        "client_id": "app-id",
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(b"app-id:app-secret").decode()
    )
    assert credentials["access_token"] == "WkNJR-access"
    assert credentials["refresh_token"] == "bWRWa3gz-refresh"
    assert abs(credentials["expires_at"] - (time.time() + 7200)) < 60


def test_x_public_client_sends_no_basic_auth(net: FakeNetwork) -> None:
    net.route("POST", rf"/{XV}/oauth2/token", Reply(200, X_TOKEN))
    XProvider.exchange_code(
        OAuthApp(client_id="public-id"),
        code="c",
        redirect_uri=REDIRECT,
        code_verifier=VERIFIER,
        http=http(),
        base_url=net.url,
    )
    (request,) = net.requests
    assert "authorization" not in request.headers
    assert form(request)["client_id"] == "public-id"


def test_google_posts_the_code_with_the_verifier_and_stores_the_refresh_token(
    net: FakeNetwork,
) -> None:
    net.route(
        "POST",
        r"/token",
        Reply(
            200,
            {
                "access_token": "ya29-access",
                "expires_in": 3599,
                "refresh_token": "1//refresh",
                "scope": "https://www.googleapis.com/auth/business.manage",
                "token_type": "Bearer",
            },
        ),
    )
    credentials = GoogleBusinessProvider.exchange_code(
        APP,
        code="4/0A-code",
        redirect_uri=REDIRECT,
        code_verifier=VERIFIER,
        http=http(),
        base_url=net.url,
    )
    (request,) = net.requests
    assert form(request) == {
        "grant_type": "authorization_code",
        "code": "4/0A-code",
        "redirect_uri": REDIRECT,
        "client_id": "app-id",
        "client_secret": "app-secret",
        "code_verifier": VERIFIER,
    }
    assert credentials["access_token"] == "ya29-access"
    assert credentials["refresh_token"] == "1//refresh"
    assert abs(credentials["expires_at"] - (time.time() + 3599)) < 60


# --- token endpoint errors ------------------------------------------------------------------

INVALID_GRANT = [
    pytest.param(
        LinkedInOrgProvider,
        r"/oauth/v2/accessToken",
        "The provided authorization grant or redirect uri is invalid",
        id="linkedin",
    ),
    pytest.param(
        XProvider,
        rf"/{XV}/oauth2/token",
        "Value passed for the authorization code was invalid.",
        id="x",
    ),
    pytest.param(GoogleBusinessProvider, r"/token", "Bad Request", id="google"),
]


@pytest.mark.parametrize(("provider", "path", "description"), INVALID_GRANT)
def test_an_invalid_grant_from_the_token_endpoint_is_rejected_with_the_networks_words(
    net: FakeNetwork, provider: type[Provider], path: str, description: str
) -> None:
    net.route(
        "POST", path, Reply(400, {"error": "invalid_grant", "error_description": description})
    )
    with pytest.raises(Rejected) as raised:
        provider.exchange_code(
            APP,
            code="used-code",
            redirect_uri=REDIRECT,
            code_verifier=VERIFIER,
            http=http(),
            base_url=net.url,
        )
    assert description in raised.value.message
    assert provider.label in raised.value.message
    assert raised.value.status == 400 and raised.value.code == "invalid_grant"


def test_a_graph_error_on_the_code_is_rejected_with_metas_message(net: FakeNetwork) -> None:
    # §1.4 error object; code 100 is "invalid parameter" (the message here is ❓).
    net.route(
        "POST",
        rf"/{META_V}/oauth/access_token",
        Reply(
            400,
            {
                "error": {
                    "message": "Invalid verification code format.",
                    "type": "OAuthException",
                    "code": 100,
                    "fbtrace_id": "EJplcsCHuLu",
                }
            },
        ),
    )
    with pytest.raises(Rejected, match="Invalid verification code format"):
        FacebookPageProvider.exchange_code(
            APP,
            code="bad",
            redirect_uri=REDIRECT,
            code_verifier=VERIFIER,
            http=http(),
            base_url=net.url,
        )
    assert len(net.requests) == 1  # nothing to exchange for a long-lived token


def test_an_invalid_short_lived_token_is_auth_expired_with_metas_message(
    net: FakeNetwork,
) -> None:
    net.route("POST", rf"/{META_V}/oauth/access_token", Reply(200, FB_SHORT_TOKEN))
    net.route(
        "GET",
        rf"/{META_V}/oauth/access_token",
        Reply(
            400,
            {
                "error": {
                    "message": "Invalid OAuth access token.",
                    "type": "OAuthException",
                    "code": 190,
                    "error_subcode": 1234567,
                    "fbtrace_id": "BLBz/WZt8dN",
                }
            },
        ),
    )
    with pytest.raises(AuthExpired, match="Invalid OAuth access token"):
        InstagramProvider.exchange_code(
            APP,
            code="AQD-code",
            redirect_uri=REDIRECT,
            code_verifier=VERIFIER,
            http=http(),
            base_url=net.url,
        )


def test_a_token_endpoint_that_fails_is_transient_and_one_without_a_token_is_rejected(
    net: FakeNetwork,
) -> None:
    net.route("POST", r"/token", Reply(503, {"error": "backend_error"}), times=1)
    net.route("POST", r"/token", Reply(200, {"token_type": "Bearer"}))
    exchange = {
        "code": "4/0A-code",
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        "http": http(),
        "base_url": net.url,
    }
    with pytest.raises(Transient):
        GoogleBusinessProvider.exchange_code(APP, **exchange)
    with pytest.raises(Rejected, match="no access token"):
        GoogleBusinessProvider.exchange_code(APP, **exchange)


# --- discovery ------------------------------------------------------------------------------


def test_facebook_offers_every_page_with_its_page_token(net: FakeNetwork) -> None:
    net.route(
        "GET",
        rf"/{META_V}/me/accounts",
        Reply(
            200,
            {
                "data": [fb_page(fb.PAGE_ID, "Pharmacie du Parc", "page-tok")],
                "paging": {
                    "cursors": {"before": "QVFIUb4", "after": "QVFIUaf"},
                    "next": f"https://graph.facebook.com/{META_V}/me/accounts?after=QVFIUaf",
                },
            },
        ),
        times=1,
    )
    net.route(
        "GET",
        rf"/{META_V}/me/accounts",
        Reply(200, {"data": [fb_page(SECOND_PAGE_ID, "Pharmacie de la Gare", "page-tok-2")]}),
    )
    found = FacebookPageProvider.discover_accounts(
        {"access_token": "EAAB-long", "expires_at": time.time() + 5183944},
        app=APP,
        http=http(),
        base_url=net.url,
    )
    assert [(a.handle, a.name, a.credentials, a.settings) for a in found] == [
        (
            "Pharmacie du Parc",
            "Pharmacie du Parc",
            {"access_token": "page-tok"},
            {"page_id": fb.PAGE_ID},
        ),
        (
            "Pharmacie de la Gare",
            "Pharmacie de la Gare",
            {"access_token": "page-tok-2"},
            {"page_id": SECOND_PAGE_ID},
        ),
    ]
    first, second = net.requests
    assert first.headers["authorization"] == "Bearer EAAB-long"
    assert "access_token" in query_of(first.query)["fields"].split(",")
    assert query_of(second.query)["after"] == "QVFIUaf"


def test_instagram_offers_the_professional_account_of_each_page_that_has_one(
    net: FakeNetwork,
) -> None:
    net.route(
        "GET",
        rf"/{META_V}/me/accounts",
        Reply(
            200,
            {
                "data": [
                    fb_page(fb.PAGE_ID, "Pharmacie du Parc", "page-tok"),
                    fb_page(SECOND_PAGE_ID, "Pharmacie de la Gare", "page-tok-2"),
                ]
            },
        ),
    )
    # §2: the IG user id is the Page's instagram_business_account.
    net.route(
        "GET",
        rf"/{META_V}/{fb.PAGE_ID}",
        Reply(200, {"instagram_business_account": {"id": ig.IG_USER_ID}, "id": fb.PAGE_ID}),
    )
    net.route("GET", rf"/{META_V}/{SECOND_PAGE_ID}", Reply(200, {"id": SECOND_PAGE_ID}))
    net.route(
        "GET",
        rf"/{META_V}/{ig.IG_USER_ID}",
        Reply(200, {"id": ig.IG_USER_ID, "username": "pharmacieduparc", "name": "Pharmacie"}),
    )
    (account,) = InstagramProvider.discover_accounts(
        {"access_token": "EAAB-long"}, app=APP, http=http(), base_url=net.url
    )
    assert account.handle == "pharmacieduparc"
    assert account.name == "Pharmacie"
    assert account.credentials == {"access_token": "page-tok"}
    assert account.settings == {"ig_user_id": ig.IG_USER_ID, "page_id": fb.PAGE_ID}
    (page_lookup,) = net.requests_to("GET", rf"/{META_V}/{fb.PAGE_ID}")
    assert query_of(page_lookup.query)["fields"] == "instagram_business_account"
    assert page_lookup.headers["authorization"] == "Bearer page-tok"


def test_instagram_skips_a_page_it_may_not_read(net: FakeNetwork) -> None:
    net.route(
        "GET",
        rf"/{META_V}/me/accounts",
        Reply(200, {"data": [fb_page(fb.PAGE_ID, "Pharmacie du Parc", "page-tok")]}),
    )
    net.route("GET", rf"/{META_V}/{fb.PAGE_ID}", Reply(403, fb.ERROR_BODIES[403]))
    assert (
        InstagramProvider.discover_accounts(
            {"access_token": "EAAB-long"}, http=http(), base_url=net.url
        )
        == []
    )


def test_linkedin_offers_the_organisations_the_member_administers(net: FakeNetwork) -> None:
    other = "urn:li:organization:2414183"
    # ❓ Organization Access Control (roleAssignee finder), not in the digest.
    net.route(
        "GET",
        r"/rest/organizationAcls",
        Reply(
            200,
            {
                "paging": {"start": 0, "count": 100, "total": 2, "links": []},
                "elements": [
                    {
                        "role": "ADMINISTRATOR",
                        "roleAssignee": "urn:li:person:8675309",
                        "state": "APPROVED",
                        "organization": linkedin_org.ORGANIZATION,
                    },
                    {
                        "role": "ADMINISTRATOR",
                        "roleAssignee": "urn:li:person:8675309",
                        "state": "APPROVED",
                        "organization": other,
                    },
                ],
            },
        ),
    )
    net.route(
        "GET",
        r"/rest/organizations/5515715",
        Reply(200, {"id": 5515715, "localizedName": "Pharmacie Alpha", "vanityName": "alpha"}),
    )
    # §4.6 error body: the second organisation's name cannot be read, its URN stands in.
    net.route(
        "GET",
        r"/rest/organizations/2414183",
        Reply(403, {"message": "Not enough permissions", "serviceErrorCode": 100, "status": 403}),
    )
    credentials = {"access_token": "AQV-access", "refresh_token": "AQX-refresh"}
    found = LinkedInOrgProvider.discover_accounts(
        credentials, app=APP, http=http(), base_url=net.url
    )
    assert [(a.handle, a.settings) for a in found] == [
        ("Pharmacie Alpha", {"organization_urn": linkedin_org.ORGANIZATION}),
        (other, {"organization_urn": other}),
    ]
    assert all(a.credentials == credentials for a in found)
    (acls,) = net.requests_to("GET", r"/rest/organizationAcls")
    params = query_of(acls.query)
    assert (params["q"], params["role"], params["state"]) == (
        "roleAssignee",
        "ADMINISTRATOR",
        "APPROVED",
    )
    assert acls.headers["authorization"] == "Bearer AQV-access"
    assert acls.headers["linkedin-version"] == API_VERSIONS["linkedin_org"]
    assert acls.headers["x-restli-protocol-version"] == "2.0.0"


def test_x_offers_the_one_user_the_token_belongs_to(net: FakeNetwork) -> None:
    # ❓ GET /2/users/me answers {"data": {id, name, username}} (X reference, not the digest).
    net.route(
        "GET",
        rf"/{XV}/users/me",
        Reply(
            200,
            {
                "data": {
                    "id": "2244994945",
                    "name": "Pharmacie Alpha",
                    "username": "pharmacie_alpha",
                }
            },
        ),
    )
    credentials = {"access_token": "WkNJR-access", "refresh_token": "bWRWa3gz-refresh"}
    # No client given: discovery opens (and closes) its own.
    (account,) = XProvider.discover_accounts(credentials, app=APP, base_url=net.url)
    assert account.handle == x.account(net.url).handle == "@pharmacie_alpha"
    assert account.name == "Pharmacie Alpha"
    assert account.credentials == credentials
    assert account.settings == {"user_id": "2244994945"}
    assert net.requests[0].headers["authorization"] == "Bearer WkNJR-access"


def test_google_offers_every_location_of_every_account_as_a_v4_resource(
    net: FakeNetwork,
) -> None:
    # ❓ Account Management accounts.list and Business Information locations.list (§6.1 names
    # the APIs; the bodies are their references'): a location is named "locations/{id}".
    net.route(
        "GET",
        r"/v1/accounts",
        Reply(
            200,
            {"accounts": [{"name": "accounts/111", "accountName": "Alpha", "type": "PERSONAL"}]},
        ),
    )
    net.route(
        "GET",
        r"/v1/accounts/111/locations",
        Reply(
            200,
            {
                "locations": [
                    {
                        "name": "locations/222",
                        "title": "Pharmacie Alpha",
                        "storefrontAddress": {"locality": "Lyon"},
                    }
                ],
                "nextPageToken": "page-2",
            },
        ),
        times=1,
    )
    net.route(
        "GET",
        r"/v1/accounts/111/locations",
        Reply(200, {"locations": [{"name": "locations/333", "title": "Pharmacie Alpha Gare"}]}),
    )
    credentials = {"access_token": "ya29-access", "refresh_token": "1//refresh"}
    found = GoogleBusinessProvider.discover_accounts(
        credentials, app=APP, http=http(), base_url=net.url
    )
    assert [(a.handle, a.name, a.settings) for a in found] == [
        ("Pharmacie Alpha", "Pharmacie Alpha (Lyon)", {"location": google_business.LOCATION}),
        (
            "Pharmacie Alpha Gare",
            "Pharmacie Alpha Gare",
            {"location": "accounts/111/locations/333"},
        ),
    ]
    assert all(a.credentials == credentials for a in found)
    first, second = net.requests_to("GET", r"/v1/accounts/111/locations")
    assert "title" in query_of(first.query)["readMask"].split(",")
    assert query_of(second.query)["pageToken"] == "page-2"
    assert all(r.headers["authorization"] == "Bearer ya29-access" for r in net.requests)


# --- refreshing with the operator's application ---------------------------------------------


def with_app(account: Account) -> Account:
    account.app = OAuthApp(client_id="operator-id", client_secret="operator-secret")
    return account


def test_linkedin_refresh_uses_the_operators_application(net: FakeNetwork) -> None:
    net.route(
        "POST",
        r"/oauth/v2/accessToken",
        Reply(200, {"access_token": "tok-2", "expires_in": 5184000}),
    )
    provider = LinkedInOrgProvider(with_app(linkedin_org.account(net.url)), http())
    provider.refresh()
    sent = form(net.requests[0])
    assert (sent["client_id"], sent["client_secret"]) == ("operator-id", "operator-secret")


def test_x_refresh_authenticates_as_the_operators_application(net: FakeNetwork) -> None:
    net.route("POST", rf"/{XV}/oauth2/token", Reply(200, X_TOKEN))
    provider = XProvider(with_app(x.account(net.url)), http())
    provider.refresh()
    request = net.requests[0]
    assert form(request)["client_id"] == "operator-id"
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(b"operator-id:operator-secret").decode()
    )


def test_google_refresh_uses_the_operators_application(net: FakeNetwork) -> None:
    net.route("POST", r"/token", Reply(200, {"access_token": "tok-2", "expires_in": 3599}))
    provider = GoogleBusinessProvider(with_app(google_business.account(net.url)), http())
    provider.refresh()
    sent = form(net.requests[0])
    assert (sent["client_id"], sent["client_secret"]) == ("operator-id", "operator-secret")
