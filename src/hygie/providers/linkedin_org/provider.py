"""LinkedIn organization pages: Posts API with images and alt text (Community Management API).

References (digest shared/research/provider-apis.md §4): versioned REST API under
https://api.linkedin.com/rest/ with ``LinkedIn-Version`` and ``X-Restli-Protocol-Version``
headers; ``POST /rest/posts`` answers 201 with the post URN in ``x-restli-id``; images go through
``POST /rest/images?action=initializeUpload`` then a PUT of the bytes to ``uploadUrl``;
``commentary`` is "little text", whose reserved characters are escaped with a backslash.
Tokens: access 60 days, refresh 365 days (approved partners), refreshed at
https://www.linkedin.com/oauth/v2/accessToken.

Credentials: ``access_token``, ``refresh_token``, ``expires_at``; refreshing uses the operator's
application (``Account.app``), else ``client_id`` and ``client_secret`` kept in the credentials.
Settings: ``organization_urn`` (``urn:li:organization:…``).

Connecting (digest §4.1): authorize at ``https://www.linkedin.com/oauth/v2/authorization`` (no
PKCE), trade the code at ``/oauth/v2/accessToken``; the organisations the member administers
come from ``GET /rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED`` and
their names from ``GET /rest/organizations/{id}`` (LinkedIn's Organization Access Control and
Organization Lookup pages; neither is in the digest ❓).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

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
from hygie.providers.oauth import authorize_url, client, credentials_from, relocate, token_request
from hygie.providers.text import LengthRule
from hygie.providers.versions import API_VERSIONS

RESTLI_PROTOCOL_VERSION = "2.0.0"
ORGANIZATION_PREFIX = "urn:li:organization:"
POST_URL = "https://www.linkedin.com/feed/update/{urn}/"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
# w_organization_social posts and comments as the organisation, r_organization_social reads its
# posts and comments (digest §4.1); rw_organization_admin lists the organisations the member
# administers (organizationAcls; not in the digest ❓).
OAUTH = OAuthEndpoints(
    authorize_url="https://www.linkedin.com/oauth/v2/authorization",
    token_url=TOKEN_URL,
    scopes=("w_organization_social", "r_organization_social", "rw_organization_admin"),
    pkce=False,
)
# Access control entries per call, and calls at most.
ACLS_PER_CALL = 100
ACL_CALLS = 10

# "Little text": these characters (and the backslash itself) alter or truncate the commentary
# unless escaped with a backslash (digest §4.3).
_RESERVED = frozenset("\\|{}@[]()<>#*_~")


def escape_little_text(text: str) -> str:
    """The text as LinkedIn "little text", every reserved character escaped with a backslash."""
    return "".join(f"\\{char}" if char in _RESERVED else char for char in text)


def encode_urn(urn: str) -> str:
    """A URN as a path segment (``urn%3Ali%3Ashare%3A123``), as Rest.li 2.0 expects."""
    return quote(urn, safe="")


def seconds_until_utc_midnight(now: datetime | None = None) -> float:
    """LinkedIn's daily quotas reset at midnight UTC (digest §4.6)."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, (midnight - now).total_seconds())


class LinkedInOrgProvider(Provider):
    kind = "linkedin_org"
    label = "LinkedIn"
    capabilities = frozenset(
        {
            Capability.TEXT,
            Capability.IMAGES,
            Capability.ALT_TEXT,
            Capability.LINK,
            Capability.DELETE,
        }
    )
    # 3,000 characters (digest §4.3 ⚠); images JPG/PNG/GIF (digest §4.4); 20 images in a
    # multiImage post (LinkedIn docs, not in the digest ❓).
    limits = Limits(
        length=LengthRule(3000, "characters"),
        max_images=20,
        image_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
    )
    default_base_url = "https://api.linkedin.com"
    auth_method = "oauth2"
    token_url: ClassVar[str] = TOKEN_URL
    oauth = OAUTH

    # --- plumbing ---------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        """What every REST call carries (digest §4.2)."""
        return {
            "Authorization": f"Bearer {self.account.credentials.get('access_token', '')}",
            "LinkedIn-Version": API_VERSIONS["linkedin_org"],
            "X-Restli-Protocol-Version": RESTLI_PROTOCOL_VERSION,
        }

    def classify(self, response: httpx.Response) -> ProviderError | None:
        status = response.status_code
        if status == 429:
            # Daily quotas, reset at midnight UTC; no rate-limit headers are documented.
            retry_after = parse_retry_after(response.headers)
            return RateLimited(
                f"LinkedIn: {error_message(response)}",
                retry_after=seconds_until_utc_midnight() if retry_after is None else retry_after,
            )
        if status == 426:
            # A sunset API version (NONEXISTENT_VERSION ❓): nothing to retry until it is bumped.
            return Rejected(
                f"LinkedIn no longer serves API version {API_VERSIONS['linkedin_org']}: "
                f"update providers/versions.py ({error_message(response)})",
                status=status,
                code="NONEXISTENT_VERSION",
            )
        return None

    @property
    def organization_urn(self) -> str:
        urn = str(self.account.settings.get("organization_urn") or "")
        if not urn.startswith(ORGANIZATION_PREFIX):
            raise Rejected(
                "This LinkedIn channel has no organization page (urn:li:organization)"
                ": reconnect it and choose the page."
            )
        return urn

    @staticmethod
    def post_url(urn: str) -> str:
        return POST_URL.format(urn=urn)

    # --- publishing -------------------------------------------------------------------------

    def _upload_headers(self, upload_url: str) -> dict[str, str]:
        """The PUT to the upload edge carries only the token (extra LinkedIn headers can confuse
        it, digest §4.4), and only to LinkedIn itself (or the test double standing in for it)."""
        host = httpx.URL(upload_url).host
        ours = host == httpx.URL(self.base_url).host
        if ours or host == "linkedin.com" or host.endswith(".linkedin.com"):
            return {"Authorization": self._headers()["Authorization"]}
        return {}

    def _upload(self, owner: str, item: MediaItem) -> dict[str, str]:
        answer = self.call(
            "POST",
            "/rest/images",
            headers=self._headers(),
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": owner}},
        )
        value = (answer.data or {}).get("value") or {}
        upload_url, image = value.get("uploadUrl"), value.get("image")
        if not upload_url or not image:
            raise Rejected(f"LinkedIn did not offer an upload: {str(answer.data)[:200]}")
        self.call(
            "PUT",
            str(upload_url),
            headers=self._upload_headers(str(upload_url)),
            content=item.data,
            expect_json=False,
        )
        return {"id": str(image), "altText": item.alt_text}

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        author = self.organization_urn
        images = [self._upload(author, item) for item in post.media]
        body: dict[str, Any] = {
            "author": author,
            "commentary": escape_little_text(post.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if len(images) == 1:
            body["content"] = {"media": images[0]}
        elif images:
            body["content"] = {"multiImage": {"images": images}}
        answer = self.call("POST", "/rest/posts", write=True, headers=self._headers(), json=body)
        urn = answer.headers.get("x-restli-id")
        if not urn:
            raise OutcomeUnknown(
                f"LinkedIn answered {answer.status} without the post id (x-restli-id)",
                status=answer.status,
            )
        return PublishResult(urn, self.post_url(urn), raw={"id": urn, **body})

    def delete(self, external_id: str) -> None:
        try:
            self.call(
                "DELETE",
                f"/rest/posts/{encode_urn(external_id)}",
                headers=self._headers(),
                expect_json=False,
            )
        except Rejected as exc:
            if exc.status not in (404, 410):
                raise

    def get_post(self, external_id: str) -> PublishResult | None:
        try:
            answer = self.call(
                "GET", f"/rest/posts/{encode_urn(external_id)}", headers=self._headers()
            )
        except Rejected as exc:
            if exc.status in (404, 410):
                return None
            raise
        data: dict[str, Any] = answer.data or {}
        urn = str(data.get("id") or external_id)
        return PublishResult(urn, self.post_url(urn), raw=data)

    # --- authentication ---------------------------------------------------------------------

    def _token_endpoint(self) -> str:
        """The production token URL; with a base_url override (tests), the same path there."""
        return relocate(self.token_url, self.account.base_url)

    def refresh(self) -> None:
        client_id, client_secret = self.oauth_client()
        body = self.refresh_grant(
            self._token_endpoint(),
            data={"client_id": client_id, "client_secret": client_secret},
        )
        if body.get("refresh_token_expires_in"):
            # The refresh token keeps its first expiry (365 days).
            self.set_credentials(
                refresh_expires_at=time.time() + float(body["refresh_token_expires_in"])
            )

    # --- connecting -------------------------------------------------------------------------

    @classmethod
    def authorization_url(
        cls, app: OAuthApp, *, redirect_uri: str, state: str, code_challenge: str
    ) -> str:
        """LinkedIn's consent page (the challenge is not sent: LinkedIn has no PKCE)."""
        return authorize_url(OAUTH, app, redirect_uri=redirect_uri, state=state)

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
        """``POST /oauth/v2/accessToken`` (form); the answer may add a refresh token with
        ``refresh_token_expires_in`` (approved partners, digest §4.1)."""
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
        """The organisations the member administers, each a channel with the same token."""
        with client(http) as session:
            reader = cls(
                Account(handle="", credentials=dict(credentials), base_url=base_url, app=app),
                session,
            )
            found: list[ConnectableAccount] = []
            for urn in reader._administered():
                name = reader._organization_name(urn)
                found.append(
                    ConnectableAccount(
                        handle=name,
                        name=name,
                        credentials=dict(credentials),
                        settings={"organization_urn": urn},
                    )
                )
            return found

    def _administered(self) -> list[str]:
        """``urn:li:organization:…`` of every APPROVED ADMINISTRATOR role of the member."""
        urns: list[str] = []
        start = 0
        for _call in range(ACL_CALLS):
            answer = self.call(
                "GET",
                "/rest/organizationAcls",
                headers=self._headers(),
                params={
                    "q": "roleAssignee",
                    "role": "ADMINISTRATOR",
                    "state": "APPROVED",
                    "start": start,
                    "count": ACLS_PER_CALL,
                },
            )
            data: dict[str, Any] = answer.data if isinstance(answer.data, dict) else {}
            elements = [e for e in data.get("elements") or [] if isinstance(e, dict)]
            for element in elements:
                urn = str(element.get("organization") or element.get("organizationTarget") or "")
                if urn.startswith(ORGANIZATION_PREFIX) and urn not in urns:
                    urns.append(urn)
            start += len(elements)
            total = (data.get("paging") or {}).get("total")
            if len(elements) < ACLS_PER_CALL or (isinstance(total, int) and start >= total):
                break
        return urns

    def _organization_name(self, urn: str) -> str:
        """The organisation's ``localizedName``; its URN when it cannot be read."""
        organization_id = urn.removeprefix(ORGANIZATION_PREFIX)
        try:
            answer = self.call(
                "GET",
                f"/rest/organizations/{quote(organization_id, safe='')}",
                headers=self._headers(),
            )
        except Rejected:
            return urn
        data = answer.data if isinstance(answer.data, dict) else {}
        return str(data.get("localizedName") or urn)
