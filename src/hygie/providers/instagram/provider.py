"""Instagram professional accounts (Instagram API with Facebook Login, graph.facebook.com).

Reference (digest shared/research/provider-apis.md §2.1, params from facebook-business-sdk-codegen
``IGUser.json`` / ``IGMedia.json`` and developers.facebook.com content-publishing):

1. ``POST /{ig-user-id}/media`` with ``image_url`` (a public URL: Instagram fetches the image
   itself), ``caption`` and ``alt_text`` -> ``{"id": container-id}``; a carousel is one
   container per image (``is_carousel_item``) then a ``media_type=CAROUSEL`` container with
   ``children``;
2. ``GET /{container-id}?fields=status_code,status`` until ``FINISHED`` (``IN_PROGRESS``: wait,
   ``ERROR`` / ``EXPIRED``: refused);
3. ``POST /{ig-user-id}/media_publish`` with ``creation_id`` -> ``{"id": media-id}``: the post
   is public from here;
4. ``GET /{media-id}?fields=id,permalink,caption,timestamp``.

The Graph API cannot delete published media (the digest: "historically unsupported"), so
``delete`` refuses and the provider does not declare DELETE.

Connecting (digest §2, "Instagram API with Facebook Login"): Facebook Login, then for each Page
of ``GET /me/accounts`` its professional account,
``GET /{page-id}?fields=instagram_business_account``, and that account's ``username``
(``GET /{ig-user-id}?fields=id,username,name``); the channel keeps the Page token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hygie.providers.base import (
    Account,
    Capability,
    ConnectableAccount,
    Limits,
    MediaItem,
    OutboundPost,
    PublishResult,
)
from hygie.providers.errors import OutcomeUnknown, ProviderError, Rejected, Transient
from hygie.providers.http import ProviderHttp
from hygie.providers.inbound import ModerationAction, ReplyResult, ReplyTarget
from hygie.providers.instagram import moderation as moderating
from hygie.providers.instagram import replies
from hygie.providers.meta_graph import MetaGraphProvider, facebook_login, graph_time
from hygie.providers.text import LengthRule
from hygie.providers.versions import API_VERSIONS

MEDIA_FIELDS = "id,permalink,caption,timestamp"
READY = frozenset({"FINISHED", "PUBLISHED"})
FAILED = frozenset({"ERROR", "EXPIRED"})
# Digest §2 (Facebook Login variant): instagram_basic, instagram_content_publish,
# instagram_manage_comments and pages_read_engagement; pages_show_list to list the Pages.
SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
)


class InstagramProvider(MetaGraphProvider):
    kind = "instagram"
    label = "Instagram"
    api_version = API_VERSIONS["instagram"]
    capabilities = frozenset(
        {
            Capability.TEXT,
            Capability.IMAGES,
            Capability.ALT_TEXT,
            Capability.FIRST_COMMENT,
            Capability.REPLY,
            Capability.INBOX_COMMENTS,
            Capability.INBOX_MESSAGES,
        }
    )
    # Caption 2,200 characters (digest §2.1, secondary source); an image is required, the
    # caption is not; "It should be less than 8 MiB" (error 36000/2207004 of the digest).
    limits = Limits(
        length=LengthRule(2200, "characters"),
        max_images=10,
        image_required=True,
        text_required=False,
        max_image_bytes=8 * 1024 * 1024,
    )
    oauth = facebook_login(API_VERSIONS["instagram"], SCOPES)
    moderation = moderating.ACTIONS
    replies_to = replies.KINDS
    # Container processing: poll every ``poll_interval`` seconds, ``poll_tries`` times at most.
    poll_interval: float = 2.0
    poll_tries: int = 30

    def __init__(
        self,
        account: Account,
        http: ProviderHttp | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(account, http)
        self.sleep = sleep

    @property
    def ig_user_id(self) -> str:
        return self._setting("ig_user_id")

    def public_url(self, item: MediaItem) -> str:
        """Where Instagram can fetch the image: ``settings["media_urls"][filename]``.

        The publishing engine puts the images at public URLs before publishing and records
        them there; without one the post cannot be made.
        """
        urls = self.account.settings.get("media_urls")
        url = urls.get(item.filename) if isinstance(urls, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise Rejected(f"Instagram needs the image at a public URL ({item.filename!r}).")
        return url

    # --- publishing ------------------------------------------------------------------------

    def _container(self, fields: dict[str, Any]) -> str:
        answer = self.call(
            "POST", self._path(self.ig_user_id, "media"), headers=self._auth(), json=fields
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        if not data.get("id"):
            raise Transient(f"Instagram created no media container: {str(data)[:200]}")
        return str(data["id"])

    def _wait(self, container_id: str) -> None:
        """Poll the container until Instagram has fetched and processed the image."""
        for attempt in range(self.poll_tries):
            if attempt:
                self.sleep(self.poll_interval)
            answer = self.call(
                "GET",
                self._path(container_id),
                headers=self._auth(),
                params={"fields": "status_code,status"},
            )
            data = answer.data if isinstance(answer.data, dict) else {}
            status = str(data.get("status_code") or "")
            if status in READY:
                return
            if status in FAILED:
                detail = f": {data['status']}" if data.get("status") else ""
                raise Rejected(
                    f"Instagram could not process the image ({status}){detail}", code=status
                )
        raise Transient("Instagram is still processing the image; try again later")

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        """Containers, then ``media_publish``. No idempotency key: see ``find_published``."""
        if not post.media:
            raise Rejected("Instagram needs an image.")
        # Every URL before any request: nothing is created when one is missing.
        urls = [self.public_url(item) for item in post.media]
        caption = {"caption": post.text} if post.text else {}
        if len(post.media) == 1:
            container = self._container(
                {"image_url": urls[0], "alt_text": post.media[0].alt_text, **caption}
            )
        else:
            children = [
                self._container(
                    {"image_url": url, "is_carousel_item": True, "alt_text": item.alt_text}
                )
                for item, url in zip(post.media, urls, strict=True)
            ]
            for child in children:
                self._wait(child)
            container = self._container(
                {"media_type": "CAROUSEL", "children": ",".join(children), **caption}
            )
        self._wait(container)
        answer = self.call(
            "POST",
            self._path(self.ig_user_id, "media_publish"),
            write=True,
            headers=self._auth(),
            json={"creation_id": container},
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        if not data.get("id"):
            raise OutcomeUnknown(f"Instagram answered without a media id: {str(data)[:200]}")
        return self._read_back(str(data["id"]))

    def _read_back(self, media_id: str) -> PublishResult:
        """The permalink. The post is public already: a failed read is not an error."""
        try:
            node = self._read(media_id, MEDIA_FIELDS) or {}
        except ProviderError:
            node = {}
        return self._result({**node, "id": media_id})

    def _result(self, node: dict[str, Any]) -> PublishResult:
        # Without a permalink (read failed), the profile is the closest page we can name.
        fallback = f"https://www.instagram.com/{self.account.handle.lstrip('@')}/"
        return PublishResult(str(node["id"]), str(node.get("permalink") or fallback), raw=node)

    # --- reading and deleting --------------------------------------------------------------

    def get_post(self, external_id: str) -> PublishResult | None:
        node = self._read(external_id, MEDIA_FIELDS)
        if not node or not node.get("id"):
            return None
        return self._result(node)

    def delete(self, external_id: str) -> None:
        raise Rejected(
            "Instagram's API cannot delete a published post: delete it in the Instagram app."
        )

    def find_published(
        self, post: OutboundPost, *, idempotency_key: str, since: datetime
    ) -> PublishResult | None:
        """A media published since ``since`` whose caption is exactly this text."""
        answer = self.call(
            "GET",
            self._path(self.ig_user_id, "media"),
            headers=self._auth(),
            params={"fields": MEDIA_FIELDS, "limit": 25},
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        wanted = post.text.strip()
        for node in data.get("data") or []:
            if not isinstance(node, dict) or not node.get("id"):
                continue
            created = graph_time(node.get("timestamp"))
            if created is None or created < since:
                continue
            if str(node.get("caption") or "").strip() == wanted:
                return self._result(node)
        return None

    # --- connecting ------------------------------------------------------------------------

    @classmethod
    def _connectable(
        cls, pages: list[dict[str, Any]], http: ProviderHttp, base_url: str | None
    ) -> list[ConnectableAccount]:
        """The professional account linked to each Page (Pages without one are left out)."""
        found: list[ConnectableAccount] = []
        for page in pages:
            token = str(page["access_token"])
            reader = cls._reader(token, http, base_url)
            try:
                node = reader._read(str(page["id"]), "instagram_business_account") or {}
                linked = node.get("instagram_business_account")
                if not isinstance(linked, dict) or not linked.get("id"):
                    continue
                ig_user_id = str(linked["id"])
                profile = {**linked, **(reader._read(ig_user_id, "id,username,name") or {})}
            except Rejected:
                continue  # a Page this user may not read: not connectable, the others are
            username = str(profile.get("username") or ig_user_id)
            found.append(
                ConnectableAccount(
                    handle=username,
                    name=str(profile.get("name") or username),
                    credentials={"access_token": token},
                    settings={"ig_user_id": ig_user_id, "page_id": str(page["id"])},
                )
            )
        return found

    def moderate(self, action: ModerationAction, target: ReplyTarget) -> None:
        moderating.moderate(self, action, target)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> ReplyResult:
        return replies.reply(self, target, text)

    def find_reply(
        self, target: ReplyTarget, text: str, *, idempotency_key: str, since: datetime
    ) -> ReplyResult | None:
        return replies.find_reply(self, target, text, since=since)
