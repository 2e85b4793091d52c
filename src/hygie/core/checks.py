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
    if settings.PRODUCTION and settings.HYGIE_BASE_URL.startswith("http://"):
        messages.append(
            Warning(
                "HYGIE_BASE_URL uses http:// in production",
                hint="Links in e-mails and OAuth callbacks must use https://",
                id="hygie.W001",
            )
        )
    return messages
