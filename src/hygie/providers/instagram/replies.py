"""Answering on Instagram: comment replies and direct messages.

References (digest shared/research/provider-apis.md §2.2 and §2.3; params from
facebook-business-sdk-codegen ``IGComment.json``):

* a comment: ``POST /{ig-comment-id}/replies`` with ``message`` -> ``{"id": …}`` (replies are
  one level deep: answering a reply answers its thread);
* a message (Instagram API with Facebook Login): ``POST /{page-id}/messages`` with
  ``recipient.id`` (the person's Instagram-scoped id) and ``message.text`` ->
  ``{"recipient_id", "message_id"}``, within 24 hours of the person's last message.

No idempotency key: after an unknown outcome the comment's replies
(``GET /{ig-comment-id}/replies``) are searched for the account's answer; a message cannot be
looked up, so it is left for a person to confirm.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from hygie.providers.errors import Rejected
from hygie.providers.inbound import ReplyResult, ReplyTarget, Unsupported
from hygie.providers.meta_graph import comment_reply, find_comment_reply, send_message

if TYPE_CHECKING:
    from hygie.providers.instagram.provider import InstagramProvider

KINDS = frozenset({"comment", "mention", "direct_message"})
REPLY_FIELDS = "id,text,username,timestamp"


def reply(provider: InstagramProvider, target: ReplyTarget, text: str) -> ReplyResult:
    if target.kind == "direct_message":
        recipient = target.author_id or target.thread_id
        return send_message(provider, provider._setting("page_id"), recipient, text)
    if target.kind not in KINDS:
        raise Unsupported(f"Instagram: a {target.kind} cannot be answered")
    if not target.external_id:
        raise Rejected("Instagram: the comment answered has no id")
    return ReplyResult(comment_reply(provider, target.external_id, "replies", text))


def find_reply(
    provider: InstagramProvider, target: ReplyTarget, text: str, *, since: datetime
) -> ReplyResult | None:
    if target.kind == "direct_message":
        return None
    username = provider.account.handle.lstrip("@").lower()

    def ours(node: dict[str, Any]) -> bool:
        return str(node.get("username") or "").lower() == username

    found = find_comment_reply(
        provider,
        target.external_id,
        "replies",
        text,
        since=since,
        fields=REPLY_FIELDS,
        ours=ours,
        text_field="text",
        time_field="timestamp",
    )
    return ReplyResult(found) if found else None
