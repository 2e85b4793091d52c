"""Model fields shared by every app."""

from __future__ import annotations

from typing import Any

from django.db import models

from hygie.lib import crypto


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column stored encrypted with the organisation-wide Fernet keys.

    The Python value is the plaintext; the database only ever holds the token. Lookups other
    than ``isnull`` are meaningless on ciphertext and must not be used.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))
