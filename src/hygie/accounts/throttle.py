"""Slows down password and code guessing: after 5 failures in 15 minutes for one account (or 30
from one address, which may be a whole pharmacy behind one router), further attempts are refused
until the window passes."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

MAX_FAILURES = {"account": 5, "address": 30}
WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    def __init__(self, account: str, address: str | None) -> None:
        self.limits = {self._key("account", account.strip().lower()): MAX_FAILURES["account"]}
        if address:
            self.limits[self._key("address", address)] = MAX_FAILURES["address"]
        self.keys = list(self.limits)

    @staticmethod
    def _key(kind: str, value: str) -> str:
        return f"hygie:throttle:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"

    def blocked(self) -> bool:
        return any((cache.get(k) or 0) >= limit for k, limit in self.limits.items())

    def failed(self) -> None:
        for key in self.keys:
            if cache.add(key, 1, WINDOW_SECONDS):
                continue
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, WINDOW_SECONDS)

    def reset(self) -> None:
        cache.delete(self.keys[0])
