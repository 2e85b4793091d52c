"""RFC 6238 time-based one-time passwords (30-second steps, 6 digits, SHA-1) via pyotp."""

from __future__ import annotations

import time

import pyotp
import segno

STEP_SECONDS = 30
# Accept the previous and the next code too: phones' clocks drift.
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The provisioning URI as an inline SVG QR code (no external service, no JavaScript)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, dark="#1b2733"))


def code_at(secret: str, at: float) -> str:
    return str(pyotp.TOTP(secret).at(at))


def verify(secret: str, code: str, *, after_step: int, now: float | None = None) -> int | None:
    """Return the time step the code belongs to, or None.

    A step not later than ``after_step`` is refused, so a code seen once (by a shoulder-surfer or
    a phishing proxy) cannot be replayed.
    """
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if step > after_step and totp.verify(code, for_time=step * STEP_SECONDS):
            return step
    return None
