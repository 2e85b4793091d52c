"""The interface every network provider implements, and the plain data it exchanges.

A provider is built from an ``Account`` (credentials and settings as plain data, no model) and
a ``ProviderHttp``. It validates a post against the network's rules without I/O, publishes,
reads back and deletes posts, and refreshes its token. Everything it raises is one of the
errors of ``errors.py``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

import httpx

from hygie.providers.errors import AuthExpired, ProviderError, Rejected
from hygie.providers.http import ProviderHttp, shared_http
from hygie.providers.inbound import (
    InboxPage,
    ModerationAction,
    ReplyResult,
    ReplyTarget,
    Unsupported,
)
from hygie.providers.text import LengthRule, find_urls, measure, utf8_len


class Capability(StrEnum):
    TEXT = "text"
    IMAGES = "images"
    ALT_TEXT = "alt_text"
    VIDEO = "video"
    LINK = "link"
    FIRST_COMMENT = "first_comment"
    THREADS = "threads"
    REPLY = "reply"
    DELETE = "delete"
    METRICS = "metrics"
    INBOX_COMMENTS = "inbox_comments"
    INBOX_MENTIONS = "inbox_mentions"
    INBOX_MESSAGES = "inbox_messages"
    INBOX_REVIEWS = "inbox_reviews"


@dataclass(frozen=True)
class Limits:
    """What a post may contain on this network."""

    length: LengthRule
    max_images: int = 4
    image_required: bool = False
    text_required: bool = True
    max_image_bytes: int = 5_000_000
    image_types: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
    max_alt_text: int = 1000


@dataclass(frozen=True)
class MediaItem:
    data: bytes
    mime_type: str
    alt_text: str
    filename: str = "image"
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class OutboundPost:
    """What to publish on one channel: the variant's text and media."""

    text: str
    media: tuple[MediaItem, ...] = ()
    link: str | None = None
    language: str = "fr"
    # When this publication was decided (the attempt's creation): stable across retries, so a
    # provider may derive deterministic identifiers from it (Bluesky's record key).
    created_at: datetime | None = None


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Violation:
    """A rule of the network the post breaks (shown in the composer, blocks publishing)."""

    code: str
    message: str


@dataclass(frozen=True)
class OAuthApp:
    """The application registered with the network by the operator (HYGIE_OAUTH_<NETWORK>_*)."""

    client_id: str
    client_secret: str = ""
    scopes: tuple[str, ...] = ()


@dataclass
class Account:
    """A channel as the provider sees it. ``credentials`` may be replaced by ``refresh()``."""

    handle: str
    credentials: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    base_url: str | None = None
    # The operator's OAuth application, for refreshing tokens (None for app passwords/tokens).
    app: OAuthApp | None = None


@dataclass(frozen=True)
class OAuthEndpoints:
    """Where a network's OAuth 2 authorization-code flow happens."""

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    pkce: bool = True
    scope_separator: str = " "


@dataclass(frozen=True)
class ConnectableAccount:
    """An account the user may connect after authorising (a Page, an organisation, a location)."""

    handle: str
    name: str
    credentials: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)


class Provider(ABC):
    kind: ClassVar[str]
    label: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    limits: ClassVar[Limits]
    default_base_url: ClassVar[str]
    auth_method: ClassVar[Literal["oauth2", "app_password", "token"]]
    # True when publishing twice with the same idempotency key cannot create two posts, so an
    # interrupted publish may be retried safely (Mastodon's Idempotency-Key, Bluesky's rkey).
    idempotent_publish: ClassVar[bool] = False
    # How long the network remembers an idempotency key (None: forever).
    idempotency_ttl: ClassVar[int | None] = None
    # Refresh the access token this many seconds before it expires.
    refresh_margin: ClassVar[int] = 300
    # The OAuth 2 flow, for networks connected by authorising Hygie (None otherwise).
    oauth: ClassVar[OAuthEndpoints | None] = None
    # What the inbox can do with this network: moderation actions it supports, and whether
    # a reply sent twice with the same idempotency key can only exist once.
    moderation: ClassVar[frozenset[ModerationAction]] = frozenset()
    idempotent_reply: ClassVar[bool] = False
    # The item kinds ``reply`` can answer (comment, mention, direct_message, review), and the
    # length of a reply when it is not the length of a post.
    replies_to: ClassVar[frozenset[str]] = frozenset()
    reply_length: ClassVar[LengthRule | None] = None

    def __init__(self, account: Account, http: ProviderHttp | None = None) -> None:
        self.account = account
        self.http = http or shared_http()
        self.credentials_changed = False

    # --- plumbing -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return (self.account.base_url or self.default_base_url).rstrip("/")

    def classify(self, response: httpx.Response) -> ProviderError | None:
        """Map a network-specific error body to an error; None = use the generic mapping."""
        return None

    def call(self, method: str, path: str, *, write: bool = False, **kwargs: Any) -> Any:
        """One API call through the shared client, with this network's error mapping."""
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        return self.http.request(method, url, write=write, classify=self.classify, **kwargs)

    def call_unless_gone(self, method: str, path: str, **kwargs: Any) -> Any:
        """The call's answer, or None when the network says the object does not exist (404)."""
        try:
            return self.call(method, path, **kwargs)
        except Rejected as exc:
            if exc.status == 404:
                return None
            raise

    # --- validation (pure) -----------------------------------------------------------------

    def validate(self, post: OutboundPost) -> list[Violation]:
        limits = self.limits
        found: list[Violation] = []
        length = measure(post.text, limits.length)
        if limits.text_required and not post.text.strip():
            found.append(Violation("text_required", "This network needs some text."))
        if length > limits.length.max_length:
            found.append(
                Violation(
                    "too_long",
                    f"{length} characters: {self.label} allows {limits.length.max_length}.",
                )
            )
        if limits.length.max_bytes and utf8_len(post.text) > limits.length.max_bytes:
            found.append(Violation("too_many_bytes", f"Too long for {self.label} in bytes."))
        if limits.image_required and not post.media:
            found.append(Violation("image_required", f"{self.label} needs an image."))
        if len(post.media) > limits.max_images:
            found.append(
                Violation(
                    "too_many_images", f"{self.label} allows {limits.max_images} images at most."
                )
            )
        for item in post.media:
            if not item.alt_text.strip():
                found.append(
                    Violation(
                        "alt_text_required", f"Describe the image {item.filename!r} (alt text)."
                    )
                )
            if len(item.alt_text) > limits.max_alt_text:
                found.append(Violation("alt_text_too_long", "The image description is too long."))
            if item.mime_type not in limits.image_types:
                found.append(
                    Violation("image_type", f"{self.label} does not take {item.mime_type}.")
                )
            if len(item.data) > limits.max_image_bytes:
                found.append(
                    Violation(
                        "image_too_big",
                        f"{item.filename!r} is over {limits.max_image_bytes // 1_000_000} MB.",
                    )
                )
        return found

    @staticmethod
    def urls_in(text: str) -> list[str]:
        return [url for _start, _end, url in find_urls(text)]

    # --- publishing ------------------------------------------------------------------------

    @abstractmethod
    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        """Publish; ``idempotency_key`` is stable across retries of the same attempt."""

    @abstractmethod
    def delete(self, external_id: str) -> None:
        """Delete a published post. Deleting a post that is already gone is not an error."""

    @abstractmethod
    def get_post(self, external_id: str) -> PublishResult | None:
        """Read a published post back (its URL), or None if it does not exist."""

    def find_published(
        self, post: OutboundPost, *, idempotency_key: str, since: datetime
    ) -> PublishResult | None:
        """After an unknown outcome: the post if the network has it, else None.

        The default looks nothing up; providers that can list recent posts override it.
        """
        return None

    # --- inbox -----------------------------------------------------------------------------

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        """Poll for comments, mentions, messages and reviews received since ``cursor`` (empty:
        the recent ones). Networks that push by webhook only keep this default."""
        raise Unsupported(f"{self.label}: no polling")

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> ReplyResult:
        """Answer ``target`` with ``text`` (a comment reply, a direct message, a review reply).
        ``idempotency_key`` is stable across retries of the same reply."""
        raise Unsupported(f"{self.label}: no replies")

    def find_reply(
        self, target: ReplyTarget, text: str, *, idempotency_key: str, since: datetime
    ) -> ReplyResult | None:
        """After an unknown outcome: the reply if the network has it, else None."""
        return None

    def moderate(self, action: ModerationAction, target: ReplyTarget) -> None:
        """Hide, unhide, delete an item or block its author (see :attr:`moderation`)."""
        raise Unsupported(f"{self.label}: cannot {action}")

    # --- authentication --------------------------------------------------------------------

    def needs_refresh(self, now: float | None = None) -> bool:
        expires_at = self.account.credentials.get("expires_at")
        if not expires_at:
            return False
        return float(expires_at) - self.refresh_margin <= (now or time.time())

    def refresh(self) -> None:
        """Get a new access token; raise AuthExpired when the user must reconnect."""
        raise AuthExpired(f"{self.label} tokens cannot be refreshed: reconnect the channel")

    def oauth_client(self) -> tuple[str, str]:
        """The OAuth client id and secret: the operator's application, else what was stored."""
        app = self.account.app
        if app is not None:
            return app.client_id, app.client_secret
        credentials = self.account.credentials
        return str(credentials.get("client_id", "")), str(credentials.get("client_secret") or "")

    def refresh_grant(
        self, url: str, *, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """POST an OAuth 2 refresh-token grant and store the new tokens.

        A refusal (400/403) or an answer without a token means the user must reconnect
        (AuthExpired); a refresh token the network does not send back is kept (some rotate it,
        some do not). Returns the answer, for network-specific fields.
        """
        refresh_token = self.account.credentials.get("refresh_token")
        if not refresh_token:
            raise AuthExpired(f"{self.label} gave no refresh token: reconnect the channel")
        try:
            answer = self.call(
                "POST",
                url,
                headers=headers or {},
                data={"grant_type": "refresh_token", "refresh_token": refresh_token, **data},
            )
        except Rejected as exc:
            if exc.status in (400, 403):
                raise AuthExpired(
                    f"{self.label} refused the refresh token: {exc.message}",
                    status=exc.status,
                    code="refresh_refused",
                ) from exc
            raise
        body: dict[str, Any] = answer.data or {}
        if not body.get("access_token"):
            raise AuthExpired(f"{self.label} returned no access token: reconnect the channel")
        self.set_credentials(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token") or refresh_token,
            expires_at=time.time() + float(body["expires_in"]) if body.get("expires_in") else None,
        )
        return body

    def set_credentials(self, **values: Any) -> None:
        self.account.credentials = {**self.account.credentials, **values}
        self.credentials_changed = True

    # --- connecting (OAuth 2 authorization code, PKCE where the network supports it) ---------

    @classmethod
    def authorization_url(
        cls, app: OAuthApp, *, redirect_uri: str, state: str, code_challenge: str
    ) -> str:
        """Where to send the user to authorise Hygie."""
        raise NotImplementedError(f"{cls.label} is not connected through OAuth")

    @classmethod
    def exchange_code(
        cls,
        app: OAuthApp,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        http: ProviderHttp | None = None,
        base_url: str | None = None,
    ) -> dict[str, Any]:
        """Trade the authorization code for credentials (with ``expires_at`` when known)."""
        raise NotImplementedError(f"{cls.label} is not connected through OAuth")

    @classmethod
    def discover_accounts(
        cls,
        credentials: dict[str, Any],
        *,
        app: OAuthApp | None = None,
        http: ProviderHttp | None = None,
        base_url: str | None = None,
    ) -> list[ConnectableAccount]:
        """The accounts these credentials may publish to (Pages, organisations, locations)."""
        raise NotImplementedError(f"{cls.label} is not connected through OAuth")
