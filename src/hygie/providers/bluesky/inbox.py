"""Receiving Bluesky replies, mentions and quotes by polling the account's notifications.

Lexicon ``app.bsky.notification.listNotifications`` (through the PDS, which asks the AppView):
newest first, ``cursor`` for the next (older) page. Each notification carries the post that
caused it (``uri``, ``cid``, ``author``, ``record``). Reasons kept:

==========  ================  ==============================================================
reply       ``comment``       thread = the thread's root post (ours when someone answers us)
mention     ``mention``       thread = its root (itself when it starts a thread)
quote       ``mention``       same
==========  ================  ==============================================================

The cursor is the ``indexedAt`` of the newest notification seen. A poll reads pages until it
meets older notifications (at most ``MAX_PAGES``); one with the same ``indexedAt`` as the
cursor is read again, harmlessly (storing is idempotent). The first poll reads one page.

``extra`` keeps what answering needs (replies.py): the post's ``uri`` and ``cid`` and its
thread's ``root_uri`` and ``root_cid``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hygie.providers.inbound import InboundEvent, InboxPage

if TYPE_CHECKING:
    from hygie.providers.bluesky.provider import BlueskyProvider

REASONS = {"reply": "comment", "mention": "mention", "quote": "mention"}
PAGE_SIZE = 50
MAX_PAGES = 10


def _when(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def fetch_inbox(provider: BlueskyProvider, cursor: str = "") -> InboxPage:
    since = _when(cursor) if cursor else None
    newest, newest_text = since, cursor
    events: list[InboundEvent] = []
    page_cursor = ""
    for _page in range(MAX_PAGES):
        params: dict[str, Any] = {"limit": PAGE_SIZE, "reasons": sorted(REASONS)}
        if page_cursor:
            params["cursor"] = page_cursor
        data = (
            provider.call(
                "GET",
                "/xrpc/app.bsky.notification.listNotifications",
                headers=provider._auth(),
                params=params,
            ).data
            or {}
        )
        notifications = [n for n in data.get("notifications") or [] if isinstance(n, dict)]
        reached_known = False
        for notification in notifications:
            indexed = _when(notification.get("indexedAt"))
            if indexed is None:
                continue
            if since is not None and indexed < since:
                reached_known = True
                break
            if newest is None or indexed > newest:
                newest, newest_text = indexed, str(notification["indexedAt"])
            event = _event(provider, notification, indexed)
            if event is not None:
                events.append(event)
        page_cursor = str(data.get("cursor") or "")
        if reached_known or since is None or not notifications or not page_cursor:
            break
    return InboxPage(events=events, cursor=newest_text)


def _event(
    provider: BlueskyProvider, notification: dict[str, Any], indexed: datetime
) -> InboundEvent | None:
    kind = REASONS.get(str(notification.get("reason")))
    uri, cid = str(notification.get("uri") or ""), str(notification.get("cid") or "")
    record = notification.get("record") or {}
    if kind is None or not uri.startswith("at://") or not isinstance(record, dict):
        return None
    author = notification.get("author") or {}
    did = str(author.get("did") or "")
    handle = str(author.get("handle") or did)
    if did and did == provider.did:
        return None  # our own posts (answers sent from Hygie or from the app)
    reply = record.get("reply") or {}
    root = reply.get("root") or {}
    parent = reply.get("parent") or {}
    root_uri = str(root.get("uri") or uri)
    root_cid = str(root.get("cid") or cid) if root.get("uri") else cid
    return InboundEvent(
        network="bluesky",
        route="",
        kind=kind,
        external_id=uri,
        author_id=did or handle,
        author_name=str(author.get("displayName") or "").strip() or handle,
        author_handle=handle,
        text=str(record.get("text") or ""),
        received_at=indexed,
        parent_id=str(parent.get("uri") or ""),
        thread_id=root_uri,
        permalink=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
        extra={
            "uri": uri,
            "cid": cid,
            "root_uri": root_uri,
            "root_cid": root_cid,
            "author_did": did,
            "reason": str(notification.get("reason")),
        },
    )
