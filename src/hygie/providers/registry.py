"""Every network Hygie publishes to: kind -> provider class, imported on first use.

The kind is stored in Channel.network and never renamed.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from hygie.providers.base import Capability, Provider

PROVIDERS: dict[str, str] = {
    "bluesky": "hygie.providers.bluesky.provider.BlueskyProvider",
    "mastodon": "hygie.providers.mastodon.provider.MastodonProvider",
    "facebook_page": "hygie.providers.facebook_page.provider.FacebookPageProvider",
    "instagram": "hygie.providers.instagram.provider.InstagramProvider",
    "linkedin_org": "hygie.providers.linkedin_org.provider.LinkedInOrgProvider",
    "x": "hygie.providers.x.provider.XProvider",
    "google_business": "hygie.providers.google_business.provider.GoogleBusinessProvider",
    "whatsapp": "hygie.providers.whatsapp.provider.WhatsAppProvider",
    "matrix": "hygie.providers.matrix.provider.MatrixProvider",
    "email": "hygie.providers.email.provider.EmailProvider",
}


class UnknownProvider(LookupError):
    pass


@cache
def provider_class(kind: str) -> type[Provider]:
    try:
        module_name, class_name = PROVIDERS[kind].rsplit(".", 1)
    except KeyError:
        raise UnknownProvider(f"no provider for network {kind!r}") from None
    cls = getattr(import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Provider)) or cls.kind != kind:
        raise TypeError(f"{PROVIDERS[kind]} is not the Provider of {kind!r}")
    return cls


def publishes(kind: str) -> bool:
    """Whether channels of this network publish posts (Matrix and e-mail only converse)."""
    return Capability.TEXT in provider_class(kind).capabilities


def publishing_kinds() -> list[str]:
    return [kind for kind in PROVIDERS if publishes(kind)]


def polls(kind: str) -> bool:
    """Whether Hygie polls this network for its inbox (it implements ``fetch_inbox``)."""
    try:
        cls = provider_class(kind)
    except UnknownProvider:
        return False
    return cls.fetch_inbox is not Provider.fetch_inbox


def polling_kinds() -> list[str]:
    return [kind for kind in PROVIDERS if polls(kind)]
