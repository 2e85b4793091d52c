"""Connecting a channel: app passwords (Bluesky), access tokens (Mastodon), OAuth 2 (others).

Pure glue between the providers (which know the networks) and the channel actions (which
store credentials encrypted and audit). No view logic here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from hygie.providers.base import OAuthApp, Provider
from hygie.providers.registry import PROVIDERS, provider_class


def oauth_app(network: str) -> OAuthApp | None:
    config = settings.HYGIE_OAUTH_APPS.get(network)
    if not config:
        return None
    cls = provider_class(network)
    scopes = cls.oauth.scopes if cls.oauth else ()
    return OAuthApp(config["client_id"], config["client_secret"], scopes)


@dataclass(frozen=True)
class NetworkChoice:
    network: str
    label: str
    method: str  # "app_password", "token" or "oauth2"
    available: bool
    missing: str  # why it is not available


def network_choices() -> list[NetworkChoice]:
    choices = []
    for network in PROVIDERS:
        cls = provider_class(network)
        if cls.auth_method == "oauth2" and network != "mastodon":
            available = oauth_app(network) is not None and cls.oauth is not None
            missing = (
                "" if available else (f"HYGIE_OAUTH_{network.upper()}_CLIENT_ID / _CLIENT_SECRET")
            )
            choices.append(NetworkChoice(network, cls.label, "oauth2", available, missing))
        elif network == "mastodon":
            choices.append(NetworkChoice(network, cls.label, "token", True, ""))
        else:
            choices.append(NetworkChoice(network, cls.label, cls.auth_method, True, ""))
    return choices


def clean_api_url(url: str) -> str:
    """An instance or PDS address typed by the user: https (or http where allowed), no path."""
    url = url.strip().rstrip("/")
    schemes = ["https", "http"] if settings.HYGIE_ALLOW_HTTP_PROVIDERS else ["https"]
    try:
        URLValidator(schemes=schemes)(url)
    except ValidationError:
        raise ValueError(_("Enter the https:// address of the server.")) from None
    return url


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def provider_for(network: str) -> type[Provider]:
    return provider_class(network)
