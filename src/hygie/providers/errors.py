"""The only exceptions a provider raises. Mapped from HTTP responses in one place (http.py)."""

from __future__ import annotations


class ProviderError(Exception):
    """Base class. ``retryable`` tells the engine whether trying again may succeed."""

    retryable = False
    kind = "error"

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message[:1000])
        self.message = message[:1000]
        self.status = status
        self.code = code


class RateLimited(ProviderError):
    """The network asks us to slow down; try again after ``retry_after`` seconds."""

    retryable = True
    kind = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        scope: str = "channel",
        status: int | None = 429,
        code: str = "",
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after
        self.scope = scope  # "channel" (this account) or "app" (every account of the app)


class AuthExpired(ProviderError):
    """The token is expired or revoked: refresh once, then the user must reconnect."""

    kind = "auth_expired"


class Rejected(ProviderError):
    """The network refused the content or the request for good: the reason is shown as is."""

    kind = "rejected"


class Transient(ProviderError):
    """Server error or connection failure before the request was sent: retry with backoff."""

    retryable = True
    kind = "transient"


class OutcomeUnknown(ProviderError):
    """The request may or may not have taken effect (timeout after sending, garbled answer).

    A publish in this state is never retried blindly: the provider is asked whether the post
    exists, and otherwise a person decides.
    """

    kind = "outcome_unknown"
