"""Shared values and helpers of the OAuth connect tests (test_oauth_*.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from tests.providers.fakenet import Recorded

from hygie.providers.base import OAuthApp
from hygie.providers.http import ProviderHttp
from hygie.providers.versions import API_VERSIONS

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


def http() -> ProviderHttp:
    return ProviderHttp(timeout=httpx.Timeout(5.0, connect=2.0))


def form(request: Recorded) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.body.decode()).items()}


def query_of(raw: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}


def split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", query_of(parts.query)


X_TOKEN = {
    "token_type": "bearer",
    "expires_in": 7200,
    "access_token": "WkNJR-access",
    "scope": "tweet.read tweet.write users.read media.write offline.access",
    "refresh_token": "bWRWa3gz-refresh",
}
