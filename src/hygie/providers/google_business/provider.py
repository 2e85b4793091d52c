"""Google Business Profile: "What's new" local posts (My Business API v4 localPosts).

References (digest shared/research/provider-apis.md §6): local posts are still served by
``https://mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/localPosts`` (create, list,
get, delete); a LocalPost has ``languageCode``, ``summary``, ``topicType``, ``callToAction``,
``media[]`` (only ``sourceUrl`` is honoured: Google fetches the image itself) and the output
fields ``name``, ``createTime``, ``state`` and ``searchUrl``. Errors are Google canonical
``{"error": {code, message, status, details}}``. The discovery documents shipped with
google-api-python-client do not include v4, so nothing else was checked.

Credentials: ``access_token``, ``refresh_token``, ``expires_at``, ``client_id``,
``client_secret``. Settings: ``location`` (``accounts/…/locations/…``) and ``media_urls``
(image filename → public URL Google can fetch).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from hygie.providers.base import (
    Capability,
    Limits,
    OutboundPost,
    Provider,
    PublishResult,
)
from hygie.providers.errors import (
    AuthExpired,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)
from hygie.providers.http import parse_retry_after
from hygie.providers.text import LengthRule
from hygie.providers.versions import API_VERSIONS

V = API_VERSIONS["google_business"]
_LOCATION = re.compile(r"accounts/[^/]+/locations/[^/]+")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")
_FRACTION = re.compile(r"\.(\d+)")
LIST_PAGES = 3


def parse_google_time(value: str) -> datetime | None:
    """An RFC 3339 timestamp as Google writes it (``Z``, up to nanoseconds)."""
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), value.strip(), count=1)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _retry_delay(error: dict[str, Any]) -> float | None:
    """``google.rpc.RetryInfo.retryDelay`` ("30s") from the error details, if any."""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            match = _DURATION.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


class GoogleBusinessProvider(Provider):
    kind = "google_business"
    label = "Google Business Profile"
    capabilities = frozenset(
        {
            Capability.TEXT,
            Capability.IMAGES,
            Capability.LINK,
            Capability.DELETE,
        }
    )
    # summary: 1,500 characters (digest §6.2 ⚠). The v4 reference declares ``media`` as a list
    # and states no count; a "What's new" post shows a single photo, so one image is allowed.
    limits = Limits(length=LengthRule(1500, "characters"), max_images=1)
    default_base_url = "https://mybusiness.googleapis.com"
    auth_method = "oauth2"
    token_url: ClassVar[str] = "https://oauth2.googleapis.com/token"

    # --- plumbing ---------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.account.credentials.get('access_token', '')}"}

    def classify(self, response: httpx.Response) -> ProviderError | None:
        """Google canonical errors, by their ``status`` name (digest §6.5)."""
        if response.status_code < 400:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return None  # e.g. the OAuth endpoint's {"error": "invalid_grant"}: generic mapping
        name = str(error.get("status") or "")
        status = response.status_code
        message = f"Google: {error.get('message') or name or status}"[:1000]
        if name == "UNAUTHENTICATED":
            return AuthExpired(message, status=status, code=name)
        if name == "RESOURCE_EXHAUSTED":
            retry_after = parse_retry_after(response.headers)
            return RateLimited(
                message,
                status=status,
                code=name,
                retry_after=_retry_delay(error) if retry_after is None else retry_after,
            )
        if name == "PERMISSION_DENIED":
            return Rejected(message, status=status, code=name)
        if name == "UNAVAILABLE":
            return Transient(message, status=status, code=name)
        return None

    @property
    def location(self) -> str:
        location = str(self.account.settings.get("location") or "").strip("/")
        if not _LOCATION.fullmatch(location):
            raise Rejected(
                "This Google Business Profile channel has no location "
                "(accounts/…/locations/…): reconnect it and choose the business."
            )
        return location

    def _result(self, local_post: Any) -> PublishResult:
        if not isinstance(local_post, dict) or not local_post.get("name"):
            raise Rejected(f"unexpected answer from Google: {str(local_post)[:200]}")
        return PublishResult(
            str(local_post["name"]), str(local_post.get("searchUrl") or ""), raw=local_post
        )

    # --- publishing -------------------------------------------------------------------------

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        location = self.location
        media_urls: dict[str, str] = self.account.settings.get("media_urls", {}) or {}
        media: list[dict[str, str]] = []
        for item in post.media:
            url = media_urls.get(item.filename)
            if not url:
                raise Rejected("Google needs the image at a public URL", code="media_url_missing")
            media.append({"mediaFormat": "PHOTO", "sourceUrl": url})
        body: dict[str, Any] = {
            "languageCode": post.language,
            "summary": post.text,
            "topicType": "STANDARD",
        }
        if media:
            body["media"] = media
        if post.link:
            body["callToAction"] = {"actionType": "LEARN_MORE", "url": post.link}
        answer = self.call(
            "POST", f"/{V}/{location}/localPosts", write=True, headers=self._auth(), json=body
        )
        return self._result(answer.data)

    def delete(self, external_id: str) -> None:
        try:
            self.call("DELETE", f"/{V}/{external_id}", headers=self._auth())
        except Rejected as exc:
            if exc.status != 404:
                raise

    def get_post(self, external_id: str) -> PublishResult | None:
        try:
            answer = self.call("GET", f"/{V}/{external_id}", headers=self._auth())
        except Rejected as exc:
            if exc.status == 404:
                return None
            raise
        return self._result(answer.data)

    def find_published(
        self, post: OutboundPost, *, idempotency_key: str, since: datetime
    ) -> PublishResult | None:
        """Look for a local post with this summary created since ``since``."""
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        wanted = " ".join(post.text.split())
        params: dict[str, Any] = {"pageSize": 100}
        for _page in range(LIST_PAGES):
            data = (
                self.call(
                    "GET", f"/{V}/{self.location}/localPosts", headers=self._auth(), params=params
                ).data
                or {}
            )
            for local_post in data.get("localPosts") or []:
                created = parse_google_time(str(local_post.get("createTime") or ""))
                summary = " ".join(str(local_post.get("summary") or "").split())
                if created is not None and created >= since and summary == wanted:
                    return self._result(local_post)
            if not data.get("nextPageToken"):
                break
            params = {**params, "pageToken": data["nextPageToken"]}
        return None

    # --- authentication ---------------------------------------------------------------------

    def _token_endpoint(self) -> str:
        """The production token URL; with a base_url override (tests), the same path there."""
        if self.account.base_url:
            return f"{self.base_url}{httpx.URL(self.token_url).path}"
        return self.token_url

    def refresh(self) -> None:
        credentials = self.account.credentials
        refresh_token = credentials.get("refresh_token")
        if not refresh_token:
            raise AuthExpired("Google gave no refresh token: reconnect the channel")
        try:
            answer = self.call(
                "POST",
                self._token_endpoint(),
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                    "client_id": credentials.get("client_id", ""),
                    "client_secret": credentials.get("client_secret", ""),
                },
            )
        except Rejected as exc:
            if exc.status in (400, 403):
                raise AuthExpired(
                    f"Google refused the refresh token: {exc.message}",
                    status=exc.status,
                    code="refresh_refused",
                ) from exc
            raise
        data: dict[str, Any] = answer.data or {}
        if not data.get("access_token"):
            raise AuthExpired("Google returned no access token: reconnect the channel")
        self.set_credentials(
            access_token=data["access_token"],
            # Google usually keeps the refresh token and sends none back.
            refresh_token=data.get("refresh_token") or refresh_token,
            expires_at=time.time() + float(data["expires_in"]) if data.get("expires_in") else None,
        )
