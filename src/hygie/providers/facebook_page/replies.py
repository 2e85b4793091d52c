"""Answering on a Facebook Page: comment replies and Messenger messages.

References (digest shared/research/provider-apis.md §1.2 and §1.3; params from
facebook-business-sdk-codegen ``Comment.json`` and ``Page.json``):

* a comment: ``POST /{comment-id}/comments`` with ``message`` -> ``{"id": …}``;
* a message: the Send API ``POST /{page-id}/messages`` with ``recipient.id`` (the person's
  Page-scoped id), ``messaging_type: RESPONSE`` and ``message.text`` ->
  ``{"recipient_id", "message_id"}``. RESPONSE is for answers within the 24 hours after the
  person's last message; later, Meta refuses (code 10, shown as the network says).

The Graph API has no idempotency key: after an unknown outcome the comment's replies
(``GET /{comment-id}/comments``) are searched for the Page's answer; a message cannot be
looked up, so it is left for a person to confirm.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from hygie.providers.errors import Rejected
from hygie.providers.inbound import ReplyResult, ReplyTarget, Unsupported
from hygie.providers.meta_graph import comment_reply, find_comment_reply, send_message

if TYPE_CHECKING:
    from hygie.providers.facebook_page.provider import FacebookPageProvider

KINDS = frozenset({"comment", "mention", "direct_message"})
REPLY_FIELDS = "id,message,from,created_time"


def reply(provider: FacebookPageProvider, target: ReplyTarget, text: str) -> ReplyResult:
    if target.kind == "direct_message":
        recipient = target.author_id or target.thread_id
        return send_message(provider, provider.page_id, recipient, text, messaging_type="RESPONSE")
    if target.kind not in KINDS:
        raise Unsupported(f"Facebook: a {target.kind} cannot be answered")
    if not target.external_id:
        raise Rejected("Facebook: the comment answered has no id")
    return ReplyResult(comment_reply(provider, target.external_id, "comments", text))


def find_reply(
    provider: FacebookPageProvider, target: ReplyTarget, text: str, *, since: datetime
) -> ReplyResult | None:
    if target.kind == "direct_message":
        return None
    page_id = provider.page_id

    def ours(node: dict[str, Any]) -> bool:
        author = node.get("from")
        return isinstance(author, dict) and str(author.get("id")) == page_id

    found = find_comment_reply(
        provider,
        target.external_id,
        "comments",
        text,
        since=since,
        fields=REPLY_FIELDS,
        ours=ours,
        text_field="message",
        time_field="created_time",
    )
    return ReplyResult(found) if found else None
