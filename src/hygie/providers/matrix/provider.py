"""Matrix (any homeserver): direct conversations with the organisation's Matrix account.

Reference: the Matrix client-server API v3 (spec.matrix.org, "Client-Server API"): ``/login``,
``/account/whoami``, ``/sync``, ``/join``, ``/rooms/{roomId}/send/{eventType}/{txnId}``,
``/user/{userId}/account_data/m.direct``. Errors are ``{"errcode": "M_…", "error": "…"}``;
``M_LIMIT_EXCEEDED`` carries ``retry_after_ms``.

A Matrix channel does not publish posts: it receives direct messages (inbox.py) and answers them
(replies.py). Credentials: ``access_token`` (and ``device_id`` when Hygie logged in itself);
the homeserver is the channel's ``base_url``, the handle its user id (``@pharmacie:example.org``).
Access tokens do not expire unless the homeserver uses refresh tokens, which Hygie does not ask
for: a revoked token means reconnecting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from hygie.providers.base import (
    Account,
    Capability,
    Limits,
    OutboundPost,
    Provider,
    PublishResult,
)
from hygie.providers.errors import AuthExpired, ProviderError, RateLimited, Rejected
from hygie.providers.http import ProviderHttp, parse_retry_after
from hygie.providers.inbound import InboxPage, ReplyResult, ReplyTarget
from hygie.providers.matrix import inbox, replies
from hygie.providers.matrix.api import CLIENT
from hygie.providers.text import LengthRule

# Homeservers refuse events over 65,536 bytes (spec: "Size limits"); the JSON around the body
# and the reply relation take a few hundred of them.
MAX_BODY_BYTES = 60_000
_AUTH_ERRCODES = {"M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_USER_DEACTIVATED"}


class MatrixProvider(Provider):
    kind = "matrix"
    label = "Matrix"
    capabilities = frozenset({Capability.INBOX_MESSAGES, Capability.REPLY})
    limits = Limits(length=LengthRule(20_000, "characters", max_bytes=MAX_BODY_BYTES), max_images=0)
    default_base_url = "https://matrix.org"
    auth_method = "token"
    # The homeserver remembers each transaction id of an access token: sending again with the
    # same id returns the first event instead of a second message.
    idempotent_reply = True
    replies_to = frozenset({"direct_message"})
    reply_length = LengthRule(20_000, "characters", max_bytes=MAX_BODY_BYTES)

    # --- plumbing ---------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        token = self.account.credentials.get("access_token")
        if not token:
            raise AuthExpired("no Matrix access token stored: reconnect the channel")
        return {"Authorization": f"Bearer {token}"}

    def classify(self, response: httpx.Response) -> ProviderError | None:
        if response.status_code < 400:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        code = str(body.get("errcode") or "")
        message = f"Matrix: {body.get('error') or code or response.status_code}"
        if code == "M_LIMIT_EXCEEDED" or response.status_code == 429:
            retry_after = parse_retry_after(response.headers)
            if retry_after is None and isinstance(body.get("retry_after_ms"), int | float):
                retry_after = float(body["retry_after_ms"]) / 1000
            return RateLimited(message, retry_after=retry_after, code=code)
        if code in _AUTH_ERRCODES:
            return AuthExpired(message, status=response.status_code, code=code)
        return None

    @property
    def user_id(self) -> str:
        return str(self.account.credentials.get("user_id") or self.account.handle)

    # --- connecting -------------------------------------------------------------------------

    @classmethod
    def connect(
        cls,
        homeserver: str,
        *,
        user_id: str = "",
        access_token: str = "",
        password: str = "",
        http: ProviderHttp | None = None,
    ) -> Account:
        """Check an access token (or log in with a password to get one); returns the Account.

        The handle is the user id the homeserver answers for the token (``/account/whoami``).
        """
        credentials: dict[str, Any] = {"access_token": access_token}
        provider = cls(Account(handle=user_id, credentials=credentials, base_url=homeserver), http)
        if password and not access_token:
            answer = provider.call(
                "POST",
                f"{CLIENT}/login",
                json={
                    "type": "m.login.password",
                    "identifier": {"type": "m.id.user", "user": user_id},
                    "password": password,
                    "initial_device_display_name": "Hygie",
                },
            )
            data = answer.data or {}
            if not data.get("access_token"):
                raise Rejected("Matrix: the homeserver gave no access token")
            provider.set_credentials(
                access_token=data["access_token"], device_id=data.get("device_id", "")
            )
        me = provider.call("GET", f"{CLIENT}/account/whoami", headers=provider._auth()).data or {}
        if not me.get("user_id"):
            raise Rejected("Matrix: the homeserver did not say whose token this is")
        provider.set_credentials(user_id=me["user_id"])
        provider.account.handle = str(me["user_id"])
        return provider.account

    def refresh(self) -> None:
        raise AuthExpired("the Matrix access token was refused: reconnect the channel")

    # --- inbox ------------------------------------------------------------------------------

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        return inbox.fetch_inbox(self, cursor)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> ReplyResult:
        return replies.reply(self, target, text, idempotency_key=idempotency_key)

    def find_reply(
        self, target: ReplyTarget, text: str, *, idempotency_key: str, since: datetime
    ) -> ReplyResult | None:
        # Sending again with the same transaction id is the lookup (idempotent_reply).
        return None

    # --- no publishing ----------------------------------------------------------------------

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        raise Rejected("A Matrix channel answers direct messages; it does not publish posts.")

    def delete(self, external_id: str) -> None:
        raise Rejected("A Matrix channel does not publish posts.")

    def get_post(self, external_id: str) -> PublishResult | None:
        return None
