"""Mastodon (any instance): statuses with images and alt text, Idempotency-Key publishing.

Reference: mastodon/documentation content/en/methods/statuses.md, media.md, instance.md.
Tokens do not expire; the instance URL is the channel's base_url.
"""

from __future__ import annotations

import html
import re
import time
from datetime import datetime
from typing import Any

from hygie.providers.base import (
    Capability,
    Limits,
    MediaItem,
    OutboundPost,
    Provider,
    PublishResult,
)
from hygie.providers.errors import Rejected, Transient
from hygie.providers.inbound import InboxPage, ModerationAction, ReplyResult, ReplyTarget
from hygie.providers.mastodon import inbox, replies
from hygie.providers.mastodon import moderation as moderating
from hygie.providers.text import LengthRule

MEDIA_POLL_SECONDS = 1.0
_TAG = re.compile(r"<[^>]+>")


def html_to_text(content: str) -> str:
    """Mastodon returns statuses as HTML; paragraphs and line breaks become spaces."""
    return html.unescape(_TAG.sub(" ", content.replace("<br>", "\n")))


MEDIA_POLL_TRIES = 30


class MastodonProvider(Provider):
    kind = "mastodon"
    label = "Mastodon"
    capabilities = frozenset(
        {
            Capability.TEXT,
            Capability.IMAGES,
            Capability.ALT_TEXT,
            Capability.LINK,
            Capability.REPLY,
            Capability.DELETE,
            Capability.THREADS,
            Capability.INBOX_MENTIONS,
            Capability.INBOX_MESSAGES,
            Capability.INBOX_COMMENTS,
        }
    )
    # 500 is the default; an instance may allow more (configuration.statuses.max_characters).
    limits = Limits(
        length=LengthRule(500, "mastodon"),
        max_images=4,
        max_image_bytes=16_000_000,
        max_alt_text=1500,
    )
    default_base_url = "https://mastodon.social"
    auth_method = "oauth2"
    # "Idempotency-Key … prevent duplicate submissions of the same status" (kept one hour).
    idempotent_publish = True
    idempotency_ttl = 3600
    moderation = moderating.ACTIONS
    # Replies are statuses sent with the same Idempotency-Key (replies.py).
    idempotent_reply = True
    replies_to = replies.KINDS

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.account.credentials.get('access_token', '')}"}

    def _upload(self, item: MediaItem) -> str:
        answer = self.call(
            "POST",
            "/api/v2/media",
            headers=self._auth(),
            files={"file": (item.filename, item.data, item.mime_type)},
            data={"description": item.alt_text},
        )
        media: dict[str, Any] = answer.data
        tries = 0
        # 202: still processing; poll until the server has a URL for it.
        while answer.status == 202 or media.get("url") is None:
            tries += 1
            if tries > MEDIA_POLL_TRIES:
                raise Transient("the instance is still processing the image")
            time.sleep(MEDIA_POLL_SECONDS)
            answer = self.call("GET", f"/api/v1/media/{media['id']}", headers=self._auth())
            media = answer.data
        return str(media["id"])

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        media_ids = [self._upload(item) for item in post.media]
        body: dict[str, Any] = {
            "status": post.text,
            "visibility": "public",
            "language": post.language[:2],
        }
        if media_ids:
            body["media_ids"] = media_ids
        answer = self.call(
            "POST",
            "/api/v1/statuses",
            write=True,
            json=body,
            headers={**self._auth(), "Idempotency-Key": idempotency_key},
        )
        return self._result(answer.data)

    @staticmethod
    def _result(status: dict[str, Any]) -> PublishResult:
        if "id" not in status:
            raise Rejected(f"unexpected answer: {str(status)[:200]}")
        return PublishResult(
            str(status["id"]), str(status.get("url") or status.get("uri") or ""), raw=status
        )

    def delete(self, external_id: str) -> None:
        self.call_unless_gone("DELETE", f"/api/v1/statuses/{external_id}", headers=self._auth())

    def get_post(self, external_id: str) -> PublishResult | None:
        answer = self.call_unless_gone(
            "GET", f"/api/v1/statuses/{external_id}", headers=self._auth()
        )
        return None if answer is None else self._result(answer.data)

    def find_published(
        self, post: OutboundPost, *, idempotency_key: str, since: datetime
    ) -> PublishResult | None:
        """Look for a status with this text among the account's statuses since ``since``."""
        me = self.call("GET", "/api/v1/accounts/verify_credentials", headers=self._auth()).data
        statuses = self.call(
            "GET",
            f"/api/v1/accounts/{me['id']}/statuses",
            headers=self._auth(),
            params={"limit": 40, "exclude_replies": "true", "exclude_reblogs": "true"},
        ).data
        wanted = " ".join(post.text.split())
        for status in statuses or []:
            created = datetime.fromisoformat(
                str(status.get("created_at", "")).replace("Z", "+00:00")
            )
            if (
                created >= since
                and " ".join(html_to_text(status.get("content", "")).split()) == wanted
            ):
                return self._result(status)
        return None

    def instance_max_characters(self) -> int:
        answer = self.call("GET", "/api/v2/instance")
        config = (answer.data or {}).get("configuration", {}).get("statuses", {})
        return int(config.get("max_characters") or self.limits.length.max_length)

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        return inbox.fetch_inbox(self, cursor)

    def moderate(self, action: ModerationAction, target: ReplyTarget) -> None:
        moderating.moderate(self, action, target)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> ReplyResult:
        return replies.reply(self, target, text, idempotency_key=idempotency_key)

    def find_reply(
        self, target: ReplyTarget, text: str, *, idempotency_key: str, since: datetime
    ) -> ReplyResult | None:
        return replies.find_reply(self, target, text, since=since)
