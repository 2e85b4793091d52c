"""Every network Hygie publishes to: kind -> provider class, imported on first use.

The kind is stored in Channel.network and never renamed.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from hygie.providers.base import Provider

PROVIDERS: dict[str, str] = {
    "bluesky": "hygie.providers.bluesky.provider.BlueskyProvider",
    "mastodon": "hygie.providers.mastodon.provider.MastodonProvider",
    "facebook_page": "hygie.providers.facebook_page.provider.FacebookPageProvider",
    "instagram": "hygie.providers.instagram.provider.InstagramProvider",
    "linkedin_org": "hygie.providers.linkedin_org.provider.LinkedInOrgProvider",
    "x": "hygie.providers.x.provider.XProvider",
    "google_business": "hygie.providers.google_business.provider.GoogleBusinessProvider",
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
