"""System checks for configuration mistakes that Django itself does not catch."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from hygie.lib import crypto


@register()
def hygie_settings_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    try:
        crypto.decrypt(crypto.encrypt("check"))
    except Exception as exc:
        messages.append(
            Error(
                f"HYGIE_ENCRYPTION_KEY is not a valid list of Fernet keys: {exc}",
                hint="Generate one with: hygie manage generate_encryption_key",
                id="hygie.E001",
            )
        )
    backend = str(settings.CACHES["default"]["BACKEND"])
    if settings.PRODUCTION and not settings.BROKER_EMBEDDED and "redis" not in backend:
        messages.append(
            Warning(
                "the web processes of several machines share no cache: login throttling "
                "counts per machine",
                hint="Set HYGIE_CACHE_URL=redis://… (it may be the broker's Redis).",
                id="hygie.W002",
            )
        )
    return messages
