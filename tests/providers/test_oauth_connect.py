"""Connecting a channel, first step: PKCE, token expiry and the authorization URL of
the five OAuth networks.

The code exchange is in test_oauth_exchange.py, the account discovery and refresh in
test_oauth_discovery.py; shared values are in oauth_helpers.py.
"""

from __future__ import annotations

import pytest
from tests.providers.oauth_helpers import (
    APP,
    CHALLENGE,
    META_V,
    REDIRECT,
    STATE,
    VERIFIER,
    split,
)

from hygie.providers.base import OAuthApp, Provider
from hygie.providers.facebook_page.provider import FacebookPageProvider
from hygie.providers.google_business.provider import GoogleBusinessProvider
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
