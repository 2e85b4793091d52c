"""One HTTP client for every provider, and the one place where HTTP failures become errors.

Mapping (a provider's ``classify`` hook runs first, for errors hidden in 200/400 bodies):

=======================================  ===========================================
connection refused, DNS, connect timeout  Transient (nothing was sent)
timeout or broken answer after sending    OutcomeUnknown for writes, Transient for reads
2xx with a body that is not JSON          OutcomeUnknown for writes, Transient for reads
401                                       AuthExpired
429                                       RateLimited (Retry-After or the reset headers)
408, 500-599                              Transient
other 4xx (403 included)                  Rejected, with the network's own message
=======================================  ===========================================
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from hygie.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)

USER_AGENT = "Hygie (+https://github.com/hygie-health/hygie)"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)

Classifier = Callable[[httpx.Response], ProviderError | None]


@dataclass(frozen=True)
class RateState:
    """What the last answer said about the rate budget (any of the networks' header styles)."""

    limit: int | None
    remaining: int | None
    reset_at: float | None


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait, from Retry-After (seconds or HTTP date) or a reset timestamp header."""
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            pass
    state = rate_state(headers)
    if state.reset_at is not None:
        return max(0.0, state.reset_at - now)
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def rate_state(headers: Mapping[str, str]) -> RateState:
    """Read X's x-rate-limit-*, Mastodon's X-RateLimit-* and Bluesky's RateLimit-* headers."""
    for prefix in ("x-rate-limit-", "x-ratelimit-", "ratelimit-"):
        limit = headers.get(f"{prefix}limit")
        remaining = headers.get(f"{prefix}remaining")
        reset = headers.get(f"{prefix}reset")
        if limit is None and remaining is None and reset is None:
            continue
        reset_at: float | None = None
        if reset:
            reset = reset.strip()
            if reset.replace(".", "", 1).isdigit():
                number = float(reset)
                # Epoch seconds, or (some servers) seconds from now.
                reset_at = number if number > 1_000_000_000 else time.time() + number
            else:
                try:
                    from datetime import datetime

                    reset_at = datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp()
                except ValueError:
                    reset_at = None
        return RateState(_int(limit), _int(remaining), reset_at)
    return RateState(None, None, None)


def error_message(response: httpx.Response) -> str:
    """The network's own words, from the usual JSON error shapes, else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("status") or error)[:500]
        for key in ("detail", "message", "error_description", "error", "title"):
            if body.get(key):
                return str(body[key])[:500]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0])[:500]
    return json.dumps(body)[:500]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    data: Any
    content: bytes


class ProviderHttp:
    """A thin wrapper around one ``httpx.Client`` (connection reuse, timeouts, user agent)."""

    def __init__(
        self,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client = httpx.Client(
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )
        self.last_rate = RateState(None, None, None)

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        write: bool = False,
        classify: Classifier | None = None,
        expect_json: bool = True,
        **kwargs: Any,
    ) -> Answer:
        try:
            response = self.client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise Transient(f"cannot reach {httpx.URL(url).host}: {exc}") from exc
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            if write:
                raise OutcomeUnknown(
                    f"no complete answer from {httpx.URL(url).host} after sending: {exc}"
                ) from exc
            raise Transient(f"no complete answer from {httpx.URL(url).host}: {exc}") from exc
        self.last_rate = rate_state(response.headers)
        return self.interpret(response, write=write, classify=classify, expect_json=expect_json)

    @staticmethod
    def interpret(
        response: httpx.Response, *, write: bool, classify: Classifier | None, expect_json: bool
    ) -> Answer:
        if classify is not None:
            specific = classify(response)
            if specific is not None:
                raise specific
        status = response.status_code
        if 200 <= status < 300:
            data: Any = None
            if expect_json and response.content:
                try:
                    data = response.json()
                except ValueError:
                    message = f"answer {status} is not JSON: {response.text[:120]!r}"
                    raise (OutcomeUnknown if write else Transient)(message, status=status) from None
            return Answer(status, response.headers, data, response.content)
        message = error_message(response)
        if status == 401:
            raise AuthExpired(message, status=status)
        if status == 429:
            raise RateLimited(message, retry_after=parse_retry_after(response.headers))
        if status == 408 or status >= 500:
            raise Transient(message, status=status)
        raise Rejected(message, status=status)


_shared: tuple[int, ProviderHttp] | None = None
_shared_lock = threading.Lock()


def shared_http() -> ProviderHttp:
    """The process's client (made again after a fork: connections are not shared by processes)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared[0] != os.getpid():
            _shared = (os.getpid(), ProviderHttp())
        return _shared[1]
