"""Bluesky (AT Protocol): posts with facets and images with alt text, on the user's PDS.

References: lexicons app.bsky.feed.post, app.bsky.richtext.facet, app.bsky.embed.images,
com.atproto.repo.*, com.atproto.server.createSession/refreshSession (bluesky-social/atproto).

Exactly once: the record key is a TID derived from the attempt (its creation time and a hash
of its idempotency key), and the record is written with putRecord, so a retry of the same
attempt writes the same record again instead of a second post.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from hygie.providers.base import (
    Account,
    Capability,
    Limits,
    MediaItem,
    OutboundPost,
    Provider,
    PublishResult,
)
from hygie.providers.bluesky import inbox, replies
from hygie.providers.bluesky import moderation as moderating
from hygie.providers.errors import AuthExpired, ProviderError, RateLimited, Rejected
from hygie.providers.http import ProviderHttp, parse_retry_after
from hygie.providers.inbound import InboxPage, ModerationAction, ReplyResult, ReplyTarget
from hygie.providers.text import LengthRule, bluesky_facets

COLLECTION = "app.bsky.feed.post"
_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"


def make_tid(when: datetime, key: str) -> str:
    """A record key in TID syntax: 53 bits of microseconds since the epoch, 10 bits of clock id."""
    micros = int(when.timestamp() * 1_000_000) & ((1 << 53) - 1)
    clock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:2], "big") & 0x3FF
    value = (micros << 10) | clock_id
    chars = []
    for _ in range(13):
        chars.append(_B32_SORTABLE[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, read without verifying (only to know when to refresh)."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(data["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


class BlueskyProvider(Provider):
    kind = "bluesky"
    label = "Bluesky"
    capabilities = frozenset(
        {
            Capability.TEXT,
            Capability.IMAGES,
            Capability.ALT_TEXT,
            Capability.LINK,
            Capability.REPLY,
            Capability.THREADS,
            Capability.DELETE,
            Capability.INBOX_MENTIONS,
            Capability.INBOX_COMMENTS,
        }
    )
    limits = Limits(
        length=LengthRule(300, "graphemes", max_bytes=3000),
        max_images=4,
        max_image_bytes=2_000_000,
        image_types=frozenset({"image/jpeg", "image/png", "image/webp"}),
    )
    default_base_url = "https://bsky.social"
    auth_method = "app_password"
    idempotent_publish = True
    moderation = moderating.ACTIONS
    # The record key of a reply is derived from its attempt, as for posts (replies.py).
    idempotent_reply = True
    replies_to = replies.KINDS

    # --- authentication ---------------------------------------------------------------------

    @classmethod
    def connect(
        cls,
        identifier: str,
        app_password: str,
        *,
        base_url: str | None = None,
        http: ProviderHttp | None = None,
    ) -> Account:
        """Log in with an app password; the returned Account holds the session."""
        account = Account(
            handle=identifier, credentials={"app_password": app_password}, base_url=base_url
        )
        provider = cls(account, http)
        provider._create_session()
        return provider.account

    def _store_session(self, session: dict[str, Any]) -> None:
        self.set_credentials(
            did=session["did"],
            handle=session["handle"],
            access_jwt=session["accessJwt"],
            refresh_jwt=session["refreshJwt"],
            expires_at=jwt_expiry(session["accessJwt"]),
        )
        self.account.handle = session["handle"]

    def _create_session(self) -> None:
        password = self.account.credentials.get("app_password")
        if not password:
            raise AuthExpired("no app password stored: reconnect the Bluesky channel")
        answer = self.call(
            "POST",
            "/xrpc/com.atproto.server.createSession",
            json={
                "identifier": self.account.credentials.get("handle") or self.account.handle,
                "password": password,
            },
        )
        self._store_session(answer.data)

    def refresh(self) -> None:
        refresh_jwt = self.account.credentials.get("refresh_jwt")
        if refresh_jwt:
            try:
                answer = self.call(
                    "POST",
                    "/xrpc/com.atproto.server.refreshSession",
                    headers={"Authorization": f"Bearer {refresh_jwt}"},
                )
            except AuthExpired:
                pass
            else:
                self._store_session(answer.data)
                return
        self._create_session()

    def classify(self, response: httpx.Response) -> ProviderError | None:
        if response.status_code in (400, 401):
            try:
                name = str(response.json().get("error", ""))
            except ValueError:
                return None
            if name in {
                "ExpiredToken",
                "InvalidToken",
                "AuthenticationRequired",
                "AccountTakedown",
                "AuthFactorTokenRequired",
            }:
                return AuthExpired(f"Bluesky: {name}", status=response.status_code, code=name)
        if response.status_code == 429:
            return RateLimited(
                "Bluesky rate limit exceeded", retry_after=parse_retry_after(response.headers)
            )
        return None

    def _auth(self) -> dict[str, str]:
        if not self.account.credentials.get("access_jwt"):
            self.refresh()
        return {"Authorization": f"Bearer {self.account.credentials['access_jwt']}"}

    @property
    def did(self) -> str:
        return str(self.account.credentials.get("did") or self.account.handle)

    # --- publishing -------------------------------------------------------------------------

    def _upload(self, item: MediaItem) -> dict[str, Any]:
        answer = self.call(
            "POST",
            "/xrpc/com.atproto.repo.uploadBlob",
            content=item.data,
            headers={**self._auth(), "Content-Type": item.mime_type},
        )
        image: dict[str, Any] = {"alt": item.alt_text, "image": answer.data["blob"]}
        if item.width and item.height:
            image["aspectRatio"] = {"width": item.width, "height": item.height}
        return image

    def _resolve_handle(self, handle: str) -> str | None:
        try:
            answer = self.call(
                "GET", "/xrpc/com.atproto.identity.resolveHandle", params={"handle": handle}
            )
        except Rejected:
            return None
        return str(answer.data.get("did")) if answer.data else None

    def record_key(self, post: OutboundPost, idempotency_key: str) -> str:
        return make_tid(post.created_at or datetime.now(UTC), idempotency_key)

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        headers = self._auth()
        created_at = (post.created_at or datetime.now(UTC)).astimezone(UTC)
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": post.text,
            "createdAt": created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "langs": [post.language[:2]],
        }
        facets = bluesky_facets(post.text, self._resolve_handle)
        if facets:
            record["facets"] = facets
        if post.media:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [self._upload(item) for item in post.media],
            }
        elif post.link:
            record["embed"] = {
                "$type": "app.bsky.embed.external",
                "external": {"uri": post.link, "title": post.link, "description": ""},
            }
        rkey = self.record_key(post, idempotency_key)
        answer = self.call(
            "POST",
            "/xrpc/com.atproto.repo.putRecord",
            write=True,
            headers=headers,
            json={"repo": self.did, "collection": COLLECTION, "rkey": rkey, "record": record},
        )
        uri = str(answer.data["uri"])
        return PublishResult(uri, self.web_url(uri), raw=answer.data)

    def web_url(self, uri: str) -> str:
        rkey = uri.rsplit("/", 1)[-1]
        handle = self.account.credentials.get("handle") or self.account.handle
        return f"https://bsky.app/profile/{handle}/post/{rkey}"

    @staticmethod
    def _rkey(external_id: str) -> str:
        return external_id.rsplit("/", 1)[-1]

    def delete(self, external_id: str) -> None:
        self.call(
            "POST",
            "/xrpc/com.atproto.repo.deleteRecord",
            headers=self._auth(),
            json={"repo": self.did, "collection": COLLECTION, "rkey": self._rkey(external_id)},
        )

    def get_post(self, external_id: str) -> PublishResult | None:
        try:
            answer = self.call(
                "GET",
                "/xrpc/com.atproto.repo.getRecord",
                headers=self._auth(),
                params={
                    "repo": self.did,
                    "collection": COLLECTION,
                    "rkey": self._rkey(external_id),
                },
            )
        except Rejected as exc:
            if exc.status in (400, 404):
                return None
            raise
        uri = str(answer.data["uri"])
        return PublishResult(uri, self.web_url(uri), raw=answer.data)

    def find_published(
        self, post: OutboundPost, *, idempotency_key: str, since: datetime
    ) -> PublishResult | None:
        rkey = self.record_key(post, idempotency_key)
        return self.get_post(f"at://{self.did}/{COLLECTION}/{rkey}")

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        return inbox.fetch_inbox(self, cursor)

    def moderate(self, action: ModerationAction, target: ReplyTarget) -> None:
        moderating.moderate(self, action, target)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> ReplyResult:
        return replies.reply(self, target, text, idempotency_key=idempotency_key)

    def find_reply(
        self, target: ReplyTarget, text: str, *, idempotency_key: str, since: datetime
    ) -> ReplyResult | None:
        return replies.find_reply(self, target, idempotency_key=idempotency_key)
