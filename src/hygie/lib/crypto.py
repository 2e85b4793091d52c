"""Symmetric encryption of secrets at rest (channel tokens, TOTP seeds).

Keys come from ``HYGIE_ENCRYPTION_KEY``: comma-separated Fernet keys, the first one encrypts and
all of them decrypt, so a key can be rotated by prepending a new one and running
``hygie manage rotate_encryption`` (re-encrypts every stored secret with the first key).
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _configured() -> MultiFernet:
    from django.conf import settings

    return _fernet(tuple(settings.HYGIE_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _configured().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _configured().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionError(
            "stored secret cannot be decrypted: was HYGIE_ENCRYPTION_KEY changed without "
            "keeping the old key?"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the first configured key."""
    return _configured().rotate(token.encode("ascii")).decode("ascii")
