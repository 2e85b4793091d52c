"""X (API v2): posts with images and alt text, OAuth 2.0 PKCE user tokens.

References (digest shared/research/provider-apis.md §5, from xdevplatform/xdk's OpenAPI):
``POST /2/tweets`` → 201 ``{"data": {"id", "text"}}``; images through the simple
``POST /2/media/upload`` (``media_category=tweet_image``) and their alt text through
``POST /2/media/metadata``; errors are RFC 7807 problems whose ``type`` starts with
``https://api.twitter.com/2/problems/`` (spec 2.159) or ``https://api.x.com/2/problems/``
(2.167); rate limits in ``x-rate-limit-*`` headers. Access tokens last 2 hours; refresh tokens
(scope ``offline.access``) are rotated, so each new one is stored.

Credentials: ``access_token``, ``refresh_token``, ``expires_at``; refreshing uses the operator's
application (``Account.app``), else ``client_id`` and, for a confidential client,
``client_secret`` kept in the credentials.

Connecting (digest §5.1): OAuth 2.0 authorization code with PKCE S256, scopes ``tweet.read
tweet.write users.read media.write offline.access``; the code is traded at ``/2/oauth2/token``
(client_id in the form, ``Authorization: Basic`` for a confidential client) and the account is
``GET /2/users/me``. The spec's authorizationUrl is ``https://api.x.com/2/oauth2/authorize``; X's
documentation sends users to ``https://x.com/i/oauth2/authorize``, used here.
"""

from __future__ import annotations

import html
import unicodedata
from datetime import UTC, datetime
from typing import Any

import httpx

from hygie.providers.base import (
    Account,
    Capability,
    ConnectableAccount,
    Limits,
    MediaItem,
    OAuthApp,
    OAuthEndpoints,
    OutboundPost,
    Provider,
    PublishResult,
)
from hygie.providers.errors import (
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
)
from hygie.providers.http import ProviderHttp, error_message, parse_retry_after
from hygie.providers.oauth import (
    authorize_url,
    basic_auth,
    client,
    credentials_from,
    relocate,
    scopes_of,
    token_request,
)
from hygie.providers.text import LengthRule, find_urls
from hygie.providers.versions import API_VERSIONS

V = API_VERSIONS["x"]
PROBLEM_PREFIXES = (f"https://api.twitter.com/{V}/problems/", f"https://api.x.com/{V}/problems/")
POST_URL = "https://x.com/i/web/status/{id}"
# Refresh tokens are only issued with offline.access (digest §5.1).
OFFLINE = "offline.access"
OAUTH = OAuthEndpoints(
    authorize_url="https://x.com/i/oauth2/authorize",
    token_url=f"https://api.x.com/{V}/oauth2/token",
    scopes=("tweet.read", "tweet.write", "users.read", "media.write", OFFLINE),
    pkce=True,
)
# A usage cap (monthly or daily post allowance) is not lifted in minutes: try again tomorrow.
USAGE_CAP_RETRY = 24 * 3600.0
# Per-user and per-app 24-hour post limits (❓ not in the digest) come in their own headers.
_DAY_LIMIT_PREFIXES = ("x-user-limit-24hour-", "x-app-limit-24hour-")


def problem_type(body: dict[str, Any]) -> str:
    """The short problem name (``usage-capped``…), whichever domain prefixes it."""
    kind = str(body.get("type") or "")
    for prefix in PROBLEM_PREFIXES:
        if kind.startswith(prefix):
            return kind[len(prefix) :]
    return kind


def comparable_text(text: str, *, from_x: bool = False) -> str:
    """Text as it can be compared with what X returns: X wraps URLs in t.co links (and adds one
    per image) and HTML-escapes ``&<>``, so URLs are removed and whitespace collapsed."""
    text = unicodedata.normalize("NFC", html.unescape(text) if from_x else text)
    for start, end, _url in reversed(find_urls(text)):
        text = text[:start] + text[end:]
    return " ".join(text.split())


def _day_limit_retry(headers: httpx.Headers) -> float | None:
    """Seconds until a spent 24-hour post limit resets, if that is what was hit."""
    waits: list[float] = []
    for prefix in _DAY_LIMIT_PREFIXES:
        if headers.get(f"{prefix}remaining") == "0":
            wait = parse_retry_after({"x-rate-limit-reset": headers.get(f"{prefix}reset", "")})
            if wait is not None:
                waits.append(wait)
    return max(waits) if waits else None


class XProvider(Provider):
    kind = "x"
    label = "X"
    capabilities = frozenset(
        {
            Capability.TEXT,
            Capability.IMAGES,
            Capability.ALT_TEXT,
            Capability.LINK,
            Capability.DELETE,
        }
    )
    # 280 weighted (twitter-text v3), 1–4 media ids, alt text ≤ 1000 characters (digest §5).
    limits = Limits(length=LengthRule(280, "x_weighted"), max_images=4, max_alt_text=1000)
    default_base_url = "https://api.x.com"
    auth_method = "oauth2"
    oauth = OAUTH

    # --- plumbing ---------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.account.credentials.get('access_token', '')}"}

    def classify(self, response: httpx.Response) -> ProviderError | None:
        status = response.status_code
        if status < 400:
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        kind = problem_type(body)
        message = error_message(response)
        if kind == "usage-capped":
            period = str(body.get("period") or "")
            return RateLimited(
                f"X usage cap reached{f' ({period})' if period else ''}: {message}",
                retry_after=USAGE_CAP_RETRY,
                scope="app" if body.get("scope") == "Product" else "channel",
                status=status,
                code="usage-capped",
            )
        if status == 403 and "duplicate content" in message.lower():
            return Rejected(message, status=status, code="duplicate")
        if status == 429:
            # x-rate-limit-reset (epoch seconds) or Retry-After; a spent 24-hour limit wins.
            retry_after = _day_limit_retry(response.headers)
            if retry_after is None:
                retry_after = parse_retry_after(response.headers)
            code = kind if kind and kind != "about:blank" else "rate-limited"
            return RateLimited(message, retry_after=retry_after, status=status, code=code)
        return None

    @staticmethod
    def post_url(tweet_id: str) -> str:
        return POST_URL.format(id=tweet_id)

    def _result(self, data: Any) -> PublishResult | None:
        tweet = data.get("data") if isinstance(data, dict) else None
        if not isinstance(tweet, dict) or not tweet.get("id"):
            return None
        tweet_id = str(tweet["id"])
        return PublishResult(tweet_id, self.post_url(tweet_id), raw=tweet)

    @staticmethod
    def _errors(data: Any) -> list[dict[str, Any]]:
        errors = data.get("errors") if isinstance(data, dict) else None
        return [e for e in errors or [] if isinstance(e, dict)]

    # --- publishing -------------------------------------------------------------------------

    def _upload(self, item: MediaItem) -> str:
        answer = self.call(
            "POST",
            f"/{V}/media/upload",
            headers=self._auth(),
            files={"media": (item.filename, item.data, item.mime_type)},
            data={"media_category": "tweet_image"},
        )
        media = (answer.data or {}).get("data") or {}
        if not media.get("id"):
            raise Rejected(f"X did not accept the image: {str(answer.data)[:200]}")
        media_id = str(media["id"])
        if item.alt_text:
            self.call(
                "POST",
                f"/{V}/media/metadata",
                headers=self._auth(),
                json={"id": media_id, "metadata": {"alt_text": {"text": item.alt_text}}},
            )
        return media_id

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        media_ids = [self._upload(item) for item in post.media]
        body: dict[str, Any] = {"text": post.text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        answer = self.call("POST", f"/{V}/tweets", write=True, headers=self._auth(), json=body)
        result = self._result(answer.data)
        if result is not None:
            return result
        errors = self._errors(answer.data)
        if errors:
            first = errors[0]
            raise Rejected(
                str(first.get("detail") or first.get("message") or first)[:500],
                status=answer.status,
                code=problem_type(first),
            )
        raise OutcomeUnknown(f"X answered {answer.status} without a post id", status=answer.status)

    def delete(self, external_id: str) -> None:
        try:
            answer = self.call("DELETE", f"/{V}/tweets/{external_id}", headers=self._auth())
        except Rejected as exc:
            if exc.status == 404:
                return
            raise
        deleted = ((answer.data or {}).get("data") or {}).get("deleted")
        if deleted is False and self.get_post(external_id) is not None:
            raise Rejected("X did not delete the post", status=answer.status)

    def get_post(self, external_id: str) -> PublishResult | None:
        try:
            answer = self.call("GET", f"/{V}/tweets/{external_id}", headers=self._auth())
        except Rejected as exc:
            if exc.status == 404:
                return None
            raise
        result = self._result(answer.data)
        if result is not None:
            return result
        # A missing post is a 200 with a resource-not-found problem in ``errors``.
        errors = self._errors(answer.data)
        if not errors or any(problem_type(e) == "resource-not-found" for e in errors):
            return None
        first = errors[0]
        raise Rejected(
            str(first.get("detail") or first.get("message") or first)[:500],
            status=answer.status,
            code=problem_type(first),
        )

    def find_published(
        self, post: OutboundPost, *, idempotency_key: str, since: datetime
    ) -> PublishResult | None:
        """Look for a post with this text (URLs aside) on the account's timeline since ``since``."""
        me = self.call("GET", f"/{V}/users/me", headers=self._auth()).data
        user_id = ((me or {}).get("data") or {}).get("id")
        if not user_id:
            return None
        start = (since if since.tzinfo else since.replace(tzinfo=UTC)).astimezone(UTC)
        answer = self.call(
            "GET",
            f"/{V}/users/{user_id}/tweets",
            headers=self._auth(),
            params={
                "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "max_results": 100,
                "exclude": "retweets",
                "tweet.fields": "created_at",
            },
        )
        wanted = comparable_text(post.text)
        for tweet in (answer.data or {}).get("data") or []:
            if comparable_text(str(tweet.get("text", "")), from_x=True) == wanted:
                return self._result({"data": tweet})
        return None

    # --- authentication ---------------------------------------------------------------------

    def refresh(self) -> None:
        # Refresh tokens are single-use (offline.access): refresh_grant keeps the rotated one.
        client_id, client_secret = self.oauth_client()
        headers = basic_auth(client_id, client_secret) if client_secret else {}
        self.refresh_grant(f"/{V}/oauth2/token", data={"client_id": client_id}, headers=headers)

    # --- connecting -------------------------------------------------------------------------

    @classmethod
    def authorization_url(
        cls, app: OAuthApp, *, redirect_uri: str, state: str, code_challenge: str
    ) -> str:
        """X's consent page, with the S256 challenge; offline.access is always asked for."""
        scopes = scopes_of(OAUTH, app)
        if OFFLINE not in scopes:
            scopes = (*scopes, OFFLINE)
        return authorize_url(
            OAUTH,
            app,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=code_challenge,
            scopes=scopes,
        )

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
        """``POST /2/oauth2/token`` with the PKCE verifier (access 2 hours, digest §5.1)."""
        headers = basic_auth(app.client_id, app.client_secret) if app.client_secret else {}
        with client(http) as session:
            token = token_request(
                session,
                relocate(OAUTH.token_url, base_url),
                {
                    "code": code,
                    "grant_type": "authorization_code",
                    "client_id": app.client_id,
                    "redirect_uri": redirect_uri,
                    "code_verifier": code_verifier,
                },
                label=cls.label,
                headers=headers,
            )
        return credentials_from(token)

    @classmethod
    def discover_accounts(
        cls,
        credentials: dict[str, Any],
        *,
        app: OAuthApp | None = None,
        http: ProviderHttp | None = None,
        base_url: str | None = None,
    ) -> list[ConnectableAccount]:
        """The one account the token belongs to (``GET /2/users/me``)."""
        with client(http) as session:
            reader = cls(
                Account(handle="", credentials=dict(credentials), base_url=base_url, app=app),
                session,
            )
            answer = reader.call("GET", f"/{V}/users/me", headers=reader._auth())
        user = ((answer.data if isinstance(answer.data, dict) else {}).get("data")) or {}
        if not isinstance(user, dict) or not user.get("id") or not user.get("username"):
            raise Rejected(f"X did not say whose token this is: {str(answer.data)[:200]}")
        handle = f"@{user['username']}"
        return [
            ConnectableAccount(
                handle=handle,
                name=str(user.get("name") or handle),
                credentials=dict(credentials),
                settings={"user_id": str(user["id"])},
            )
        ]
