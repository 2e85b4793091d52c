"""Google Business Profile: "What's new" local posts (My Business API v4 localPosts).

References (digest shared/research/provider-apis.md §6): local posts are still served by
``https://mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/localPosts`` (create, list,
get, delete); a LocalPost has ``languageCode``, ``summary``, ``topicType``, ``callToAction``,
``media[]`` (only ``sourceUrl`` is honoured: Google fetches the image itself) and the output
fields ``name``, ``createTime``, ``state`` and ``searchUrl``. Errors are Google canonical
``{"error": {code, message, status, details}}``. The discovery documents shipped with
google-api-python-client do not include v4, so nothing else was checked.

Credentials: ``access_token``, ``refresh_token``, ``expires_at``; refreshing uses the operator's
application (``Account.app``), else ``client_id`` and ``client_secret`` kept in the credentials.
Settings: ``location`` (``accounts/…/locations/…``) and ``media_urls`` (image filename → public
URL Google can fetch).

Connecting (digest §6.1): Google OAuth 2 with PKCE S256, scope ``business.manage``,
``access_type=offline&prompt=consent`` so that a refresh token is issued. Accounts come from the
Account Management API (``GET /v1/accounts``), their locations from the Business Information API
(``GET /v1/{account}/locations?readMask=…``), which names them ``locations/{id}`` (its Location
reference, not the digest): the v4 resource is ``{account}/{location}``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from hygie.providers.base import (
    Account,
    Capability,
    ConnectableAccount,
    Limits,
    OAuthApp,
    OAuthEndpoints,
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
from hygie.providers.google_business import inbox, replies
from hygie.providers.http import ProviderHttp, parse_retry_after
from hygie.providers.inbound import InboxPage, ReplyResult, ReplyTarget
from hygie.providers.oauth import authorize_url, client, credentials_from, relocate, token_request
from hygie.providers.text import LengthRule
from hygie.providers.versions import API_VERSIONS

V = API_VERSIONS["google_business"]
_LOCATION = re.compile(r"accounts/[^/]+/locations/[^/]+")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")
_FRACTION = re.compile(r"\.(\d+)")
LIST_PAGES = 3
TOKEN_URL = "https://oauth2.googleapis.com/token"
OAUTH = OAuthEndpoints(
    authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
    token_url=TOKEN_URL,
    scopes=("https://www.googleapis.com/auth/business.manage",),
    pkce=True,
)
ACCOUNTS_URL = "https://mybusinessaccountmanagement.googleapis.com/v1/accounts"
LOCATIONS_URL = "https://mybusinessbusinessinformation.googleapis.com/v1/{account}/locations"
# accounts.list takes at most 20 per page, locations.list 100; pages read at most.
ACCOUNTS_PER_PAGE = 20
LOCATIONS_PER_PAGE = 100
DISCOVERY_PAGES = 10
LOCATION_FIELDS = "name,title,storefrontAddress"


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
            Capability.INBOX_REVIEWS,
        }
    )
    # summary: 1,500 characters (digest §6.2 ⚠). The v4 reference declares ``media`` as a list
    # and states no count; a "What's new" post shows a single photo, so one image is allowed.
    limits = Limits(length=LengthRule(1500, "characters"), max_images=1)
    default_base_url = "https://mybusiness.googleapis.com"
    auth_method = "oauth2"
    token_url: ClassVar[str] = TOKEN_URL
    oauth = OAUTH
    # A review has one reply, replaced by each PUT: sending it twice leaves one (replies.py).
    idempotent_reply = True
    replies_to = replies.KINDS
    reply_length = replies.LENGTH

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
        self.call_unless_gone("DELETE", f"/{V}/{external_id}", headers=self._auth())

    def get_post(self, external_id: str) -> PublishResult | None:
        answer = self.call_unless_gone("GET", f"/{V}/{external_id}", headers=self._auth())
        return None if answer is None else self._result(answer.data)

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
        return relocate(self.token_url, self.account.base_url)

    def refresh(self) -> None:
        client_id, client_secret = self.oauth_client()
        self.refresh_grant(
            self._token_endpoint(),
            data={"client_id": client_id, "client_secret": client_secret},
        )

    # --- connecting -------------------------------------------------------------------------

    @classmethod
    def authorization_url(
        cls, app: OAuthApp, *, redirect_uri: str, state: str, code_challenge: str
    ) -> str:
        """Google's consent page; offline access and a forced consent, for a refresh token."""
        return authorize_url(
            OAUTH,
            app,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=code_challenge,
            extra={"access_type": "offline", "prompt": "consent"},
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
        """``POST https://oauth2.googleapis.com/token`` with the PKCE verifier."""
        with client(http) as session:
            token = token_request(
                session,
                relocate(OAUTH.token_url, base_url),
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": app.client_id,
                    "client_secret": app.client_secret,
                    "code_verifier": code_verifier,
                },
                label=cls.label,
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
        """Every location of every account the user may manage, each with the same token."""
        with client(http) as session:
            reader = cls(
                Account(handle="", credentials=dict(credentials), base_url=base_url, app=app),
                session,
            )
            found: list[ConnectableAccount] = []
            accounts = reader._list(
                relocate(ACCOUNTS_URL, base_url), "accounts", {"pageSize": ACCOUNTS_PER_PAGE}
            )
            for account in accounts:
                account_name = str(account.get("name") or "")
                if not account_name.startswith("accounts/"):
                    continue
                url = relocate(LOCATIONS_URL.format(account=account_name), base_url)
                params = {"readMask": LOCATION_FIELDS, "pageSize": LOCATIONS_PER_PAGE}
                try:
                    locations = reader._list(url, "locations", params)
                except Rejected:
                    continue  # an account whose locations this user may not list
                for location in locations:
                    found.extend(cls._connectable(account_name, location, credentials))
            return found

    @staticmethod
    def _connectable(
        account_name: str, location: dict[str, Any], credentials: dict[str, Any]
    ) -> list[ConnectableAccount]:
        name = str(location.get("name") or "").strip("/")
        # Business Information names a location "locations/{id}"; v4 wants it under its account.
        resource = name if name.startswith("accounts/") else f"{account_name}/{name}"
        if not _LOCATION.fullmatch(resource):
            return []
        title = str(location.get("title") or resource)
        address = location.get("storefrontAddress")
        locality = address.get("locality") if isinstance(address, dict) else None
        return [
            ConnectableAccount(
                handle=title,
                name=f"{title} ({locality})" if locality else title,
                credentials=dict(credentials),
                settings={"location": resource},
            )
        ]

    def _list(self, url: str, key: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every item of a Google list call, following ``nextPageToken``."""
        items: list[dict[str, Any]] = []
        for _page in range(DISCOVERY_PAGES):
            answer = self.call("GET", url, headers=self._auth(), params=params)
            data = answer.data if isinstance(answer.data, dict) else {}
            items.extend(item for item in data.get(key) or [] if isinstance(item, dict))
            if not data.get("nextPageToken"):
                break
            params = {**params, "pageToken": data["nextPageToken"]}
        return items

    # --- reviews ----------------------------------------------------------------------------

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        return inbox.fetch_inbox(self, cursor)

    # --- review replies ---------------------------------------------------------------------

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> ReplyResult:
        return replies.reply(self, target, text)

    def find_reply(
        self, target: ReplyTarget, text: str, *, idempotency_key: str, since: datetime
    ) -> ReplyResult | None:
        return replies.find_reply(self, target, text)
