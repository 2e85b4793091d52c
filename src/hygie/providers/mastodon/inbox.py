"""Receiving Mastodon mentions, replies and direct messages by polling.

References (mastodon/documentation): ``GET /api/v1/notifications`` (``types[]=mention``,
``min_id`` to page forward from a known id, ``include_filtered`` so that private mentions the
instance's notification policy set aside are not lost) and ``GET /api/v1/conversations``
(direct conversations, each with its ``last_status``), read as a second source for direct
messages.

Each status becomes an event keyed by the status id (what a reply answers, ``in_reply_to_id``):

=====================================  ===================  ===============================
a status with ``visibility: direct``   ``direct_message``   the conversation with its author
an answer (``in_reply_to_id``)         ``comment``          the conversation of the status
                                                            answered (our post's, if ours)
any other mention                      ``mention``          its own conversation
=====================================  ===================  ===============================

The cursor is JSON: the newest notification id read and the newest direct status id read
(ids compare by length, then as text: Mastodon's ids are growing numbers in strings). The first
poll reads one page of each. ``extra`` keeps ``acct`` and ``visibility`` for the answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hygie.providers.inbound import InboundEvent, InboxPage

if TYPE_CHECKING:
    from hygie.providers.mastodon.provider import MastodonProvider

PAGE_SIZE = 40
MAX_PAGES = 10


def _key(status_id: str) -> tuple[int, str]:
    return len(status_id), status_id


def _newer(a: str, b: str) -> str:
    return a if _key(a) >= _key(b) else b


def parse_cursor(cursor: str) -> tuple[str, str]:
    if not cursor:
        return "", ""
    try:
        data = json.loads(cursor)
    except ValueError:
        return cursor, ""  # a bare notification id
    if not isinstance(data, dict):
        return str(data), ""
    return str(data.get("notifications") or ""), str(data.get("conversations") or "")


def fetch_inbox(provider: MastodonProvider, cursor: str = "") -> InboxPage:
    since_notification, since_direct = parse_cursor(cursor)
    me = provider.call("GET", "/api/v1/accounts/verify_credentials", headers=provider._auth())
    my_id = str((me.data or {}).get("id") or "")
    statuses: dict[str, tuple[dict[str, Any], str]] = {}

    newest_notification = since_notification
    min_id = since_notification
    for _page in range(MAX_PAGES):
        params: dict[str, Any] = {
            "types[]": ["mention"],
            "limit": PAGE_SIZE,
            "include_filtered": "true",
        }
        if min_id:
            params["min_id"] = min_id
        page = provider.call(
            "GET", "/api/v1/notifications", headers=provider._auth(), params=params
        ).data
        notifications = [n for n in page or [] if isinstance(n, dict) and n.get("id")]
        for notification in notifications:
            newest_notification = _newer(str(notification["id"]), newest_notification)
            status = notification.get("status")
            if notification.get("type") == "mention" and isinstance(status, dict):
                statuses.setdefault(str(status.get("id")), (status, "notification"))
        if not since_notification or len(notifications) < PAGE_SIZE:
            break
        min_id = newest_notification

    newest_direct = since_direct
    conversations = provider.call(
        "GET", "/api/v1/conversations", headers=provider._auth(), params={"limit": PAGE_SIZE}
    ).data
    for conversation in conversations or []:
        status = conversation.get("last_status") if isinstance(conversation, dict) else None
        if not isinstance(status, dict) or not status.get("id"):
            continue
        status_id = str(status["id"])
        if since_direct and _key(status_id) <= _key(since_direct):
            continue
        newest_direct = _newer(status_id, newest_direct)
        statuses.setdefault(status_id, (status, "conversation"))

    events = [
        event
        for status, _source in statuses.values()
        if (event := _event(provider, status, my_id)) is not None
    ]
    return InboxPage(
        events=events,
        cursor=json.dumps(
            {"notifications": newest_notification, "conversations": newest_direct},
            separators=(",", ":"),
        ),
    )


def _when(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _event(provider: MastodonProvider, status: dict[str, Any], my_id: str) -> InboundEvent | None:
    from hygie.providers.mastodon.provider import html_to_text

    account = status.get("account") or {}
    author_id = str(account.get("id") or "")
    if not author_id or author_id == my_id:
        return None  # our own statuses (answers sent from Hygie or the app)
    acct = str(account.get("acct") or account.get("username") or author_id)
    visibility = str(status.get("visibility") or "public")
    parent = str(status.get("in_reply_to_id") or "")
    if visibility == "direct":
        kind = "direct_message"
    elif parent:
        kind = "comment"
    else:
        kind = "mention"
    text = " ".join(html_to_text(str(status.get("content") or "")).split())
    if status.get("spoiler_text"):
        text = f"[{status['spoiler_text']}] {text}"
    return InboundEvent(
        network="mastodon",
        route="",
        kind=kind,
        external_id=str(status["id"]),
        author_id=author_id,
        author_name=str(account.get("display_name") or "").strip() or f"@{acct}",
        author_handle=f"@{acct}",
        text=text,
        received_at=_when(status.get("created_at")),
        parent_id=parent,
        permalink=str(status.get("url") or status.get("uri") or ""),
        attachments=tuple(
            str(media.get("url"))
            for media in status.get("media_attachments") or []
            if isinstance(media, dict) and media.get("url")
        ),
        extra={"acct": acct, "visibility": visibility, "status_id": str(status["id"])},
    )
