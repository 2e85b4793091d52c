"""Meta's Graph API (graph.facebook.com): what the Facebook Page and Instagram providers share.

The error object and its codes, the usage headers, the versioned paths and the Bearer token.

References (digest: shared/research/provider-apis.md §1.1, §1.4 and §2.1):

* Error object and codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
* Usage headers: https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
* Instagram error codes (``is_transient``):
  https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/error-codes

Graph errors travel in any HTTP status (a revoked token may come back as 400, a throttled call
as 400 or 403), so ``classify_graph`` reads the code in the body before the status is looked at.

Connecting (Facebook Login, digest §1.1): the dialog ``https://www.facebook.com/{v}/dialog/oauth``
(no PKCE), the code traded at ``/{v}/oauth/access_token`` for a short-lived user token, itself
traded (``grant_type=fb_exchange_token``) for a long-lived one (about 60 days, no refresh token);
``GET /me/accounts`` then lists the Pages with their Page tokens.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import httpx

from hygie.providers.base import Account, ConnectableAccount, OAuthApp, OAuthEndpoints, Provider
from hygie.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)
from hygie.providers.http import ProviderHttp, parse_retry_after
from hygie.providers.inbound import ReplyResult
from hygie.providers.oauth import (
    authorize_url,
    client,
    credentials_from,
    relocate,
    token_request,
)

GRAPH_URL = "https://graph.facebook.com"

# 190 access token expired or invalid, 102 API session.
AUTH_CODES = frozenset({190, 102})
# 4 app-level, 17 user-level, 32 Page-level, 613 custom-level throttling, 341 app limit
# reached, 80001-80014 Business-Use-Case throttling (80001 Pages, 80002 Instagram…).
RATE_CODES = frozenset({4, 17, 32, 613, 341, *range(80001, 80015)})
APP_RATE_CODES = frozenset({4})
# 1 unknown, 2 service: "retry".
TRANSIENT_CODES = frozenset({1, 2})
# 506 duplicate post, 368 temporarily blocked for policy, 10 and 200-299 permissions.
REJECTED_CODES = frozenset({506, 368, 10, *range(200, 300)})
# 100 invalid parameter: "Object with ID … does not exist" when a post is gone.
INVALID_PARAMETER = 100
# Pages listed per /me/accounts call, and calls at most (cursor paging).
PAGES_PER_CALL = 100
PAGE_CALLS = 10


def facebook_login(api_version: str, scopes: tuple[str, ...]) -> OAuthEndpoints:
    """Facebook Login's endpoints for this Graph version (digest §1.1). Permissions are
    comma-separated in the dialog's ``scope``; Meta's flow has no PKCE."""
    return OAuthEndpoints(
        authorize_url=f"https://www.facebook.com/{api_version}/dialog/oauth",
        token_url=f"{GRAPH_URL}/{api_version}/oauth/access_token",
        scopes=scopes,
        pkce=False,
        scope_separator=",",
    )


def graph_error(response: httpx.Response) -> dict[str, Any] | None:
    """The ``error`` object of a Graph answer, if the body is one."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if not isinstance(error, dict) or "code" not in error:
        return None
    return error


def _code(error: Mapping[str, Any]) -> int | None:
    try:
        return int(error["code"])
    except (KeyError, TypeError, ValueError):
        return None


def user_message(error: Mapping[str, Any]) -> str:
    """What to show: Meta's message for the user when there is one, else the technical one."""
    for key in ("error_user_msg", "message", "error_user_title", "type"):
        if error.get(key):
            return str(error[key])
    return json.dumps(dict(error))[:500]


def regain_access_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds until the Business-Use-Case budget is back, from X-Business-Use-Case-Usage.

    The header maps an object id to a list of usages, each with
    ``estimated_time_to_regain_access`` in minutes. 0 (or no header) says nothing useful.
    """
    raw = headers.get("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
    except ValueError:
        return None
    minutes = 0.0
    if isinstance(usage, dict):
        for entries in usage.values():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                try:
                    minutes = max(minutes, float(entry.get("estimated_time_to_regain_access", 0)))
                except (TypeError, ValueError):
                    continue
    return minutes * 60 if minutes > 0 else None


def classify_graph(response: httpx.Response) -> ProviderError | None:
    """Map a Graph error object to the taxonomy, whatever the HTTP status.

    None (the generic mapping of http.py applies) when the body is not a Graph error, or when
    the code is unknown and the status already says it all (401, 408, 429, 5xx).
    """
    error = graph_error(response)
    if error is None:
        return None
    status = response.status_code
    code = _code(error)
    label = str(code) if code is not None else ""
    if error.get("error_subcode"):
        label = f"{label}/{error['error_subcode']}"
    technical = str(error.get("message") or user_message(error))
    if code in AUTH_CODES:
        return AuthExpired(technical, status=status, code=label)
    if code in RATE_CODES:
        retry_after = parse_retry_after(response.headers)
        if retry_after is None:
            retry_after = regain_access_seconds(response.headers)
        return RateLimited(
            technical,
            retry_after=retry_after,
            status=status,
            code=label,
            scope="app" if code in APP_RATE_CODES else "channel",
        )
    if code in TRANSIENT_CODES or error.get("is_transient") is True:
        return Transient(user_message(error), status=status, code=label)
    if code in REJECTED_CODES:
        return Rejected(user_message(error), status=status, code=label)
    if status in (401, 408, 429) or status >= 500:
        return None
    # Any other Graph error (invalid parameter, media the network refused…) is final; keep the
    # code so callers can recognise "does not exist".
    return Rejected(user_message(error), status=status, code=label)


def is_missing(exc: ProviderError) -> bool:
    """The object does not exist (404, or Graph code 100 "… does not exist …")."""
    if exc.status == 404:
        return True
    code = exc.code.split("/", 1)[0]
    return code == str(INVALID_PARAMETER) and "does not exist" in exc.message.lower()


def graph_time(value: Any) -> datetime | None:
    """Graph timestamps look like ``2026-05-04T09:12:44+0000``."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class MetaGraphProvider(Provider):
    """A provider talking to graph.facebook.com with a Page or user token (no refresh)."""

    api_version: ClassVar[str]
    default_base_url = GRAPH_URL
    auth_method: ClassVar[Literal["oauth2", "app_password", "token"]] = "oauth2"

    def classify(self, response: httpx.Response) -> ProviderError | None:
        return classify_graph(response)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.account.credentials.get('access_token', '')}"}

    def _path(self, *parts: str) -> str:
        """``/{version}/{node}/{edge}``: the version is part of the request path."""
        return "/" + "/".join([self.api_version, *(quote(part, safe="_") for part in parts)])

    def _setting(self, name: str) -> str:
        value = self.account.settings.get(name)
        if not value:
            raise Rejected(f"{self.label}: the channel has no {name}; reconnect it.")
        return str(value)

    def _read(self, node_id: str, fields: str) -> dict[str, Any] | None:
        """GET a node's fields, or None when it does not exist."""
        try:
            answer = self.call(
                "GET", self._path(node_id), headers=self._auth(), params={"fields": fields}
            )
        except Rejected as exc:
            if is_missing(exc):
                return None
            raise
        return answer.data if isinstance(answer.data, dict) else None

    # --- connecting (Facebook Login) -------------------------------------------------------

    @classmethod
    def _login(cls) -> OAuthEndpoints:
        if cls.oauth is None:
            raise NotImplementedError(f"{cls.label} is not connected through OAuth")
        return cls.oauth

    @classmethod
    def authorization_url(
        cls, app: OAuthApp, *, redirect_uri: str, state: str, code_challenge: str
    ) -> str:
        """The Facebook Login dialog (the challenge is not sent: Meta has no PKCE)."""
        return authorize_url(cls._login(), app, redirect_uri=redirect_uri, state=state)

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
        """The code for a short-lived user token, that one for a long-lived user token."""
        url = relocate(cls._login().token_url, base_url)
        with client(http) as session:
            short = token_request(
                session,
                url,
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": app.client_id,
                    "client_secret": app.client_secret,
                },
                label=cls.label,
                classify=classify_graph,
            )
            long_lived = token_request(
                session,
                url,
                {
                    "grant_type": "fb_exchange_token",
                    "client_id": app.client_id,
                    "client_secret": app.client_secret,
                    "fb_exchange_token": str(short["access_token"]),
                },
                label=cls.label,
                method="GET",
                classify=classify_graph,
            )
        return credentials_from(long_lived)

    @classmethod
    def _reader(
        cls, access_token: str, http: ProviderHttp, base_url: str | None
    ) -> MetaGraphProvider:
        """A provider holding only a token, to make Graph calls while connecting."""
        account = Account(handle="", credentials={"access_token": access_token}, base_url=base_url)
        return cls(account, http)

    @classmethod
    def _pages(
        cls, user_token: str, http: ProviderHttp, base_url: str | None
    ) -> list[dict[str, Any]]:
        """The Pages the user manages, each with its Page token (``GET /me/accounts``)."""
        reader = cls._reader(user_token, http, base_url)
        params: dict[str, Any] = {"fields": "id,name,access_token,tasks", "limit": PAGES_PER_CALL}
        pages: list[dict[str, Any]] = []
        for _call in range(PAGE_CALLS):
            answer = reader.call(
                "GET", reader._path("me", "accounts"), headers=reader._auth(), params=params
            )
            data = answer.data if isinstance(answer.data, dict) else {}
            pages.extend(
                page
                for page in data.get("data") or []
                if isinstance(page, dict) and page.get("id") and page.get("access_token")
            )
            paging = data.get("paging")
            cursors = paging.get("cursors") if isinstance(paging, dict) else None
            after = cursors.get("after") if isinstance(cursors, dict) else None
            if not after or not isinstance(paging, dict) or not paging.get("next"):
                break
            params = {**params, "after": after}
        return pages

    @classmethod
    def discover_accounts(
        cls,
        credentials: dict[str, Any],
        *,
        app: OAuthApp | None = None,
        http: ProviderHttp | None = None,
        base_url: str | None = None,
    ) -> list[ConnectableAccount]:
        with client(http) as session:
            pages = cls._pages(str(credentials.get("access_token", "")), session, base_url)
            return cls._connectable(pages, session, base_url)

    @classmethod
    def _connectable(
        cls, pages: list[dict[str, Any]], http: ProviderHttp, base_url: str | None
    ) -> list[ConnectableAccount]:
        """The accounts these Pages give (the Pages themselves, or their Instagram accounts)."""
        raise NotImplementedError(f"{cls.label} is not connected through OAuth")


# --- replies shared by Pages and Instagram (Messenger Platform Send API, comment threads) ---


def send_message(
    provider: MetaGraphProvider,
    page_id: str,
    recipient_id: str,
    text: str,
    *,
    messaging_type: str | None = None,
) -> ReplyResult:
    """``POST /{page-id}/messages`` (digest §1.3, §2.3): a text to the person who wrote.

    ``{"recipient": {"id": …}, "message": {"text": …}}`` (+ ``messaging_type``) answers
    ``{"recipient_id", "message_id"}``. The Send API has no idempotency key.
    """
    if not recipient_id:
        raise Rejected(f"{provider.label}: the person to answer has no id")
    body: dict[str, Any] = {"recipient": {"id": recipient_id}, "message": {"text": text}}
    if messaging_type:
        body["messaging_type"] = messaging_type
    answer = provider.call(
        "POST", provider._path(page_id, "messages"), write=True, headers=provider._auth(), json=body
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    if not data.get("message_id"):
        raise OutcomeUnknown(f"{provider.label} answered without a message id: {str(data)[:200]}")
    return ReplyResult(str(data["message_id"]))


def comment_reply(provider: MetaGraphProvider, comment_id: str, edge: str, text: str) -> str:
    """``POST /{comment-id}/{edge}`` with ``message``: the new comment's id."""
    answer = provider.call(
        "POST",
        provider._path(comment_id, edge),
        write=True,
        headers=provider._auth(),
        json={"message": text},
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    if not data.get("id"):
        raise OutcomeUnknown(f"{provider.label} answered without a comment id: {str(data)[:200]}")
    return str(data["id"])


def find_comment_reply(
    provider: MetaGraphProvider,
    comment_id: str,
    edge: str,
    text: str,
    *,
    since: datetime,
    fields: str,
    ours: Callable[[dict[str, Any]], bool],
    text_field: str,
    time_field: str,
) -> str | None:
    """The id of our answer with this text under ``comment_id`` since ``since``, if any."""
    answer = provider.call_unless_gone(
        "GET",
        provider._path(comment_id, edge),
        headers=provider._auth(),
        params={"fields": fields, "limit": 100},
    )
    data = answer.data if answer is not None and isinstance(answer.data, dict) else {}
    wanted = " ".join(text.split())
    for node in data.get("data") or []:
        if not isinstance(node, dict) or not node.get("id") or not ours(node):
            continue
        created = graph_time(node.get(time_field))
        if created is not None and created < since:
            continue
        if " ".join(str(node.get(text_field) or "").split()) == wanted:
            return str(node["id"])
    return None
