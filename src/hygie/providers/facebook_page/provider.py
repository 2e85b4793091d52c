"""Facebook Pages (Graph API): text, link and photo posts on a Page, with alt text.

Reference (digest shared/research/provider-apis.md §1, from facebook-business-sdk-codegen
``Page.json`` / ``PagePost.json`` and developers.facebook.com):

* text or link: ``POST /{page-id}/feed`` (``message``, ``link``) -> ``{"id": "{page}_{post}"}``
* one photo: ``POST /{page-id}/photos`` multipart ``source`` + ``message`` + ``alt_text_custom``
  -> ``{"id": "{photo-id}", "post_id": "{page}_{post}"}``
* several photos: each ``POST /{page-id}/photos`` with ``published=false``, then
  ``POST /{page-id}/feed`` with ``attached_media=[{"media_fbid": …}]``
* read back ``GET /{post-id}?fields=…,permalink_url``; delete ``DELETE /{post-id}``

The channel's token is a Page token (``credentials["access_token"]``): there is no refresh
token, code 190 means the user must log in again.

Connecting (digest §1.1): Facebook Login (``meta_graph.facebook_login``), then every Page of
``GET /me/accounts`` may become a channel, with its own Page token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hygie.providers.base import (
    Capability,
    ConnectableAccount,
    Limits,
    MediaItem,
    OutboundPost,
    PublishResult,
)
from hygie.providers.errors import OutcomeUnknown, ProviderError, Rejected
from hygie.providers.facebook_page import moderation as moderating
from hygie.providers.facebook_page import replies
from hygie.providers.http import Answer, ProviderHttp
from hygie.providers.inbound import ModerationAction, ReplyResult, ReplyTarget
from hygie.providers.meta_graph import (
    MetaGraphProvider,
    facebook_login,
    graph_time,
    is_missing,
)
from hygie.providers.text import LengthRule
from hygie.providers.versions import API_VERSIONS

POST_FIELDS = "id,message,created_time,permalink_url"
# Digest §1.1: posting and moderating need pages_manage_posts, pages_read_engagement,
# pages_manage_engagement and pages_read_user_content (the permissions reference's name; the
# posts guide writes pages_read_user_engagement); listing the Pages (/me/accounts) needs
# pages_show_list.
SCOPES = (
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_read_user_content",
)


class FacebookPageProvider(MetaGraphProvider):
    kind = "facebook_page"
    label = "Facebook"
    api_version = API_VERSIONS["facebook_page"]
    capabilities = frozenset(
        {
            Capability.TEXT,
            Capability.IMAGES,
            Capability.ALT_TEXT,
            Capability.LINK,
            Capability.FIRST_COMMENT,
            Capability.REPLY,
            Capability.DELETE,
            Capability.INBOX_COMMENTS,
            Capability.INBOX_MESSAGES,
        }
    )
    # Post ``message``: about 63,206 characters (digest §0, secondary source).
    limits = Limits(length=LengthRule(63206, "characters"), max_images=10)
    oauth = facebook_login(API_VERSIONS["facebook_page"], SCOPES)
    moderation = moderating.ACTIONS
    replies_to = replies.KINDS

    @property
    def page_id(self) -> str:
        return self._setting("page_id")

    # --- publishing ------------------------------------------------------------------------

    def _photo(self, item: MediaItem, message: str | None, *, published: bool) -> Answer:
        fields: dict[str, str] = {"alt_text_custom": item.alt_text}
        if message:
            fields["message"] = message
        if not published:
            fields["published"] = "false"
        answer: Answer = self.call(
            "POST",
            self._path(self.page_id, "photos"),
            write=published,
            headers=self._auth(),
            files={"source": (item.filename, item.data, item.mime_type)},
            data=fields,
        )
        return answer

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        """Publish on the Page. The Graph API has no idempotency key: see ``find_published``."""
        page_id = self.page_id
        if len(post.media) > 1:
            photo_ids = []
            for item in post.media:
                data = self._photo(item, None, published=False).data
                if not isinstance(data, dict) or not data.get("id"):
                    raise Rejected(f"Facebook did not take the image {item.filename!r}")
                photo_ids.append(str(data["id"]))
            body: dict[str, Any] = {
                "message": post.text,
                "attached_media": [{"media_fbid": photo_id} for photo_id in photo_ids],
            }
            answer = self.call(
                "POST", self._path(page_id, "feed"), write=True, headers=self._auth(), json=body
            )
        elif post.media:
            answer = self._photo(post.media[0], post.text, published=True)
        else:
            body = {"message": post.text}
            if post.link:
                body["link"] = post.link
            answer = self.call(
                "POST", self._path(page_id, "feed"), write=True, headers=self._auth(), json=body
            )
        created: dict[str, Any] = answer.data if isinstance(answer.data, dict) else {}
        # A photo answers with its own id and the id of the post that shows it.
        post_id = created.get("post_id") or created.get("id")
        if not post_id:
            raise OutcomeUnknown(f"Facebook answered without a post id: {str(created)[:200]}")
        return self._read_back(str(post_id), created)

    def _read_back(self, post_id: str, created: dict[str, Any]) -> PublishResult:
        """The post's permalink. The post is public already: a failed read is not an error."""
        try:
            node = self._read(post_id, "id,permalink_url") or {}
        except ProviderError:
            node = {}
        return self._result({**created, **node, "id": post_id})

    @staticmethod
    def _result(node: dict[str, Any]) -> PublishResult:
        post_id = str(node["id"])
        url = str(node.get("permalink_url") or f"https://www.facebook.com/{post_id}")
        return PublishResult(post_id, url, raw=node)

    # --- reading and deleting --------------------------------------------------------------

    def get_post(self, external_id: str) -> PublishResult | None:
        node = self._read(external_id, POST_FIELDS)
        if not node or not node.get("id"):
            return None
        return self._result(node)

    def delete(self, external_id: str) -> None:
        try:
            self.call("DELETE", self._path(external_id), headers=self._auth())
        except Rejected as exc:
            if not is_missing(exc):
                raise

    def find_published(
        self, post: OutboundPost, *, idempotency_key: str, since: datetime
    ) -> PublishResult | None:
        """A Page post published since ``since`` whose message is exactly this text."""
        answer = self.call(
            "GET",
            self._path(self.page_id, "published_posts"),
            headers=self._auth(),
            params={"fields": POST_FIELDS, "since": int(since.timestamp()), "limit": 25},
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        wanted = post.text.strip()
        for node in data.get("data") or []:
            if not isinstance(node, dict) or not node.get("id"):
                continue
            created = graph_time(node.get("created_time"))
            if created is not None and created < since:
                continue
            if str(node.get("message") or "").strip() == wanted:
                return self._result(node)
        return None

    # --- connecting ------------------------------------------------------------------------

    @classmethod
    def _connectable(
        cls, pages: list[dict[str, Any]], http: ProviderHttp, base_url: str | None
    ) -> list[ConnectableAccount]:
        """Every Page, with its Page token (which does not expire when it comes from a
        long-lived user token, digest §1.1)."""
        return [
            ConnectableAccount(
                handle=str(page.get("name") or page["id"]),
                name=str(page.get("name") or page["id"]),
                credentials={"access_token": str(page["access_token"])},
                settings={"page_id": str(page["id"])},
            )
            for page in pages
        ]

    def moderate(self, action: ModerationAction, target: ReplyTarget) -> None:
        moderating.moderate(self, action, target)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> ReplyResult:
        return replies.reply(self, target, text)

    def find_reply(
        self, target: ReplyTarget, text: str, *, idempotency_key: str, since: datetime
    ) -> ReplyResult | None:
        return replies.find_reply(self, target, text, since=since)
