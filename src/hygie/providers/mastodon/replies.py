"""Answering on Mastodon: a status ``in_reply_to_id`` the status answered.

Reference (mastodon/documentation ``methods/statuses.md``): ``POST /api/v1/statuses`` with
``in_reply_to_id`` and ``visibility`` (a direct message is answered ``direct``, a mention as
narrowly as it was written), sent with the ``Idempotency-Key`` header: the instance keeps the
key an hour and answers a second submission with the first status, so a retry within the hour
cannot make a second reply. Mastodon does not mention the person by itself: the reply starts
with ``@acct`` unless the text already names them (a direct status nobody is mentioned in
reaches nobody). After an unknown outcome past the hour, the status's context
(``GET /api/v1/statuses/:id/context``) is searched for our reply.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from hygie.providers.errors import Rejected
from hygie.providers.inbound import ReplyResult, ReplyTarget

if TYPE_CHECKING:
    from hygie.providers.mastodon.provider import MastodonProvider

KINDS = frozenset({"comment", "mention", "direct_message"})


def addressed(text: str, acct: str) -> str:
    """The text starting with ``@acct`` unless it already mentions that account."""
    acct = acct.strip().lstrip("@")
    if not acct:
        return text
    user = acct.split("@", 1)[0].lower()
    words = {word.strip(".,;:!?").lstrip("@").lower() for word in text.split() if "@" in word}
    if acct.lower() in words or user in words:
        return text
    return f"@{acct} {text}"


def comparable(text: str) -> str:
    """The words of a status without its mentions: Mastodon shows ``@user@domain`` as a link
    around ``@user`` (split by markup), so mentions and spaces cannot be compared."""
    return " ".join(word for word in text.replace("@ ", "@").split() if not word.startswith("@"))


def visibility(target: ReplyTarget) -> str:
    """A direct message is answered directly; a mention as narrowly as it was written (a
    followers-only mention is not answered in public), public by default."""
    if target.kind == "direct_message":
        return "direct"
    written = target.extra.get("visibility", "")
    return written if written in ("unlisted", "private", "direct") else "public"


def body(target: ReplyTarget, text: str) -> dict[str, Any]:
    acct = target.extra.get("acct") or target.extra.get("author_handle", "")
    return {
        "status": addressed(text, acct),
        "in_reply_to_id": target.external_id,
        "visibility": visibility(target),
        "language": "fr",
    }


def reply(
    provider: MastodonProvider, target: ReplyTarget, text: str, *, idempotency_key: str
) -> ReplyResult:
    if not target.external_id:
        raise Rejected("Mastodon: the status answered has no id")
    answer = provider.call(
        "POST",
        "/api/v1/statuses",
        write=True,
        json=body(target, text),
        headers={**provider._auth(), "Idempotency-Key": idempotency_key},
    )
    result = provider._result(answer.data)
    return ReplyResult(result.external_id, result.url)


def find_reply(
    provider: MastodonProvider, target: ReplyTarget, text: str, *, since: datetime
) -> ReplyResult | None:
    """Our status with this text among the answers to ``target`` since ``since``."""
    from hygie.providers.mastodon.provider import html_to_text

    context = provider.call_unless_gone(
        "GET", f"/api/v1/statuses/{target.external_id}/context", headers=provider._auth()
    )
    if context is None:
        return None
    me = provider.call("GET", "/api/v1/accounts/verify_credentials", headers=provider._auth()).data
    wanted = comparable(text)
    for status in (context.data or {}).get("descendants") or []:
        if str((status.get("account") or {}).get("id")) != str(me.get("id")):
            continue
        created = datetime.fromisoformat(str(status.get("created_at", "")).replace("Z", "+00:00"))
        if created >= since and comparable(html_to_text(status.get("content", ""))) == wanted:
            result = provider._result(status)
            return ReplyResult(result.external_id, result.url)
    return None
