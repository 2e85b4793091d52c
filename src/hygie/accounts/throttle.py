"""Slows down password and code guessing.

Every attempt is counted before it is checked, so parallel requests cannot all slip through:
after 5 failures in 15 minutes for one account (or 30 from one address, which may be a whole
pharmacy behind one router) further attempts are refused until the window passes. Behind a
reverse proxy, set HYGIE_PROXY_COUNT so that the client's address is read from
X-Forwarded-For instead of the proxy's own.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

LIMITS = {"account": 5, "address": 30}
WINDOW_SECONDS = 15 * 60


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the right entry of X-Forwarded-For behind proxies."""
    proxies = int(getattr(settings, "HYGIE_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= proxies:
            return str(forwarded[-proxies])
    return str(request.META.get("REMOTE_ADDR", ""))


class LoginThrottle:
    def __init__(self, account: str, address: str | None) -> None:
        self.limits = {self._key("account", account.strip().lower()): LIMITS["account"]}
        if address:
            self.limits[self._key("address", address)] = LIMITS["address"]

    @staticmethod
    def _key(kind: str, value: str) -> str:
        return f"hygie:throttle:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"

    def _count(self, key: str) -> int:
        if cache.add(key, 1, WINDOW_SECONDS):
            return 1
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS)
            return 1

    def attempt(self) -> bool:
        """Count one attempt; False when the account or address is over its limit."""
        allowed = True
        for key, limit in self.limits.items():
            if self._count(key) > limit:
                allowed = False
        return allowed

    def succeeded(self) -> None:
        """A right password or code: the account's counter starts again."""
        cache.delete(next(iter(self.limits)))
