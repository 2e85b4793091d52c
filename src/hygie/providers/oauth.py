"""What the OAuth 2 authorization-code flows of the networks share (RFC 6749, RFC 7636).

PKCE verifier and S256 challenge, the authorize URL, the form POST to a token endpoint and its
RFC 6749 §5.2 error body, and ``expires_in`` turned into an epoch ``expires_at``. Each provider
composes these in its ``authorization_url`` / ``exchange_code`` / ``discover_accounts``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from hygie.providers.base import OAuthApp, OAuthEndpoints
from hygie.providers.errors import ProviderError, Rejected
from hygie.providers.http import Classifier, ProviderHttp

# RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def new_code_verifier() -> str:
    """A fresh PKCE code verifier: 64 random bytes, base64url (86 characters)."""
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a verifier: BASE64URL(SHA256(ASCII(verifier))), unpadded."""
    if not _VERIFIER.fullmatch(verifier):
        raise ValueError("a PKCE code verifier is 43-128 characters of A-Z a-z 0-9 - . _ ~")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def scopes_of(endpoints: OAuthEndpoints, app: OAuthApp) -> tuple[str, ...]:
    """The operator's scopes when configured, else the network's defaults."""
    return app.scopes or endpoints.scopes


def authorize_url(
    endpoints: OAuthEndpoints,
    app: OAuthApp,
    *,
    redirect_uri: str,
    state: str,
    code_challenge: str = "",
    scopes: Sequence[str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> str:
    """The authorization endpoint with the standard query (and S256 PKCE when the network
    uses it); spaces are encoded ``%20``, which every network accepts."""
    chosen = scopes_of(endpoints, app) if scopes is None else tuple(scopes)
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "scope": endpoints.scope_separator.join(chosen),
        "state": state,
    }
    if endpoints.pkce:
        if not code_challenge:
            raise ValueError("this network requires a PKCE code challenge")
        params["code_challenge"] = code_challenge
        params["code_challenge_method"] = "S256"
    params.update(extra or {})
    separator = "&" if "?" in endpoints.authorize_url else "?"
    return f"{endpoints.authorize_url}{separator}{urlencode(params, quote_via=quote)}"


def relocate(url: str, base_url: str | None) -> str:
    """A production URL (token endpoint, another API host); with a base_url override (tests),
    the same path there."""
    if base_url:
        return f"{base_url.rstrip('/')}{httpx.URL(url).path}"
    return url


def expires_at(expires_in: Any, now: float | None = None) -> float | None:
    """``expires_in`` seconds (number or numeric string) as epoch seconds; None if absent."""
    if expires_in in (None, ""):
        return None
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        return None
    return (time.time() if now is None else now) + seconds


def credentials_from(token: Mapping[str, Any], now: float | None = None) -> dict[str, Any]:
    """A token response as channel credentials: access_token, refresh_token when given,
    expires_at (and refresh_expires_at, scope) when known."""
    now = time.time() if now is None else now
    credentials: dict[str, Any] = {"access_token": str(token["access_token"])}
    if token.get("refresh_token"):
        credentials["refresh_token"] = str(token["refresh_token"])
    expiry = expires_at(token.get("expires_in"), now)
    if expiry is not None:
        credentials["expires_at"] = expiry
    refresh_expiry = expires_at(token.get("refresh_token_expires_in"), now)
    if refresh_expiry is not None:
        credentials["refresh_expires_at"] = refresh_expiry
    if token.get("scope"):
        credentials["scope"] = str(token["scope"])
    return credentials


def basic_auth(client_id: str, client_secret: str) -> dict[str, str]:
    """``Authorization: Basic base64(client_id:client_secret)`` (RFC 6749 §2.3.1)."""
    pair = f"{client_id}:{client_secret}".encode()
    return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}


def oauth_error(response: httpx.Response, label: str) -> ProviderError | None:
    """An RFC 6749 §5.2 error (``{"error": "invalid_grant", "error_description": …}``) from a
    token endpoint: final, shown with the network's own words. None for other answers."""
    if response.status_code not in (400, 401, 403):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None
    error = body["error"]
    description = str(body.get("error_description") or error)
    return Rejected(
        f"{label} refused the authorization: {description}",
        status=response.status_code,
        code=error,
    )


def token_request(
    http: ProviderHttp,
    url: str,
    fields: Mapping[str, str],
    *,
    label: str,
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    classify: Classifier | None = None,
) -> dict[str, Any]:
    """Call a token endpoint (a form POST, or a GET with the fields as query for Meta's
    ``fb_exchange_token``) and return its JSON, which must hold an ``access_token``."""

    def classify_token(response: httpx.Response) -> ProviderError | None:
        specific = oauth_error(response, label)
        if specific is None and classify is not None:
            specific = classify(response)
        return specific

    payload: dict[str, Any] = {"params" if method == "GET" else "data": dict(fields)}
    answer = http.request(
        method, url, classify=classify_token, headers=dict(headers or {}), **payload
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    if not data.get("access_token"):
        # The body is not quoted: it may hold other secrets.
        raise Rejected(f"{label} returned no access token (answer fields: {sorted(data)})")
    return data


@contextmanager
def client(http: ProviderHttp | None) -> Iterator[ProviderHttp]:
    """The given client, or a new one closed on exit."""
    if http is not None:
        yield http
        return
    own = ProviderHttp()
    try:
        yield own
    finally:
        own.close()
