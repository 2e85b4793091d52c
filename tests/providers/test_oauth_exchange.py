"""Connecting a channel: the code exchange and token endpoint errors of the five OAuth networks."""

# Token bodies follow shared/research/provider-apis.md (§1.1 Facebook Login and Page tokens,
# §2 Instagram through the Page, §4.1 LinkedIn, §5.1 X, §6.1 Google).

from __future__ import annotations

import base64
import time

import pytest
from tests.providers.fakenet import FakeNetwork, Reply
from tests.providers.oauth_helpers import (
    APP,
    FB_LONG_TOKEN,
    FB_SHORT_TOKEN,
    META_V,
    REDIRECT,
    VERIFIER,
    X_TOKEN,
    XV,
    form,
    http,
    query_of,
)

from hygie.providers.base import OAuthApp, Provider
from hygie.providers.errors import AuthExpired, Rejected, Transient
from hygie.providers.facebook_page.provider import FacebookPageProvider
from hygie.providers.google_business.provider import GoogleBusinessProvider
from hygie.providers.instagram.provider import InstagramProvider
from hygie.providers.linkedin_org.provider import LinkedInOrgProvider
from hygie.providers.x.provider import XProvider

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
