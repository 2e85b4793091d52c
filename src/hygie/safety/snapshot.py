"""The source of a case as it was when the case opened, and the SHA-256 that proves it.

The snapshot is plain JSON (stable keys, UTC times) so its hash can be recomputed by anyone:
``sha256(json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")))``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hygie.inbox.models import InboxItem

SNAPSHOT_VERSION = 2
# How many earlier messages of the thread the snapshot keeps, for context.
THREAD_CONTEXT = 5
# Keys of ``InboxItem.extra`` that name a picture, a video or a file sent with the message.
MEDIA_KEY = re.compile(r"attach|media|image|photo|picture|video|audio|file|sticker", re.I)
# …except those naming our own post or the thread (a comment's parent media, for Instagram).
NOT_MEDIA_KEY = re.compile(r"parent|root|thread|post", re.I)


def snapshot_hash(snapshot: Any) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def parse_time(value: object) -> datetime | None:
    """A time stored in a snapshot (ISO 8601, UTC), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def media_refs(extra: dict[str, Any], attachments: Any = None) -> list[str]:
    """The addresses or network ids of what came with the message, in a stable order."""
    refs: list[str] = []
    if isinstance(attachments, list | tuple):
        refs += [str(a) for a in attachments if str(a).strip()]
    for key in sorted(extra):
        if MEDIA_KEY.search(key) and not NOT_MEDIA_KEY.search(key):
            refs += [part for part in str(extra[key]).split() if part]
    return list(dict.fromkeys(refs))


def media_hashes(refs: list[str]) -> list[dict[str, str]]:
    """The SHA-256 of each attachment's address or id: it names the file without storing it."""
    return [{"ref": ref, "sha256": hashlib.sha256(ref.encode("utf-8")).hexdigest()} for ref in refs]


def build_snapshot(
    item: InboxItem, *, moderation: dict[str, bool], taken_at: datetime
) -> dict[str, Any]:
    """The message, its author, its media and the few messages before it in the thread."""
    conversation = item.conversation
    earlier = list(
        conversation.items.filter(received_at__lte=item.received_at)
        .exclude(pk=item.pk)
        .order_by("-received_at", "-id")[:THREAD_CONTEXT]
    )
    our_post = ""
    if conversation.parent_target_id is not None and conversation.parent_target is not None:
        our_post = conversation.parent_target.post.text[:1000]
    author = item.author
    media = media_refs(dict(item.extra or {}), getattr(item, "attachments", None))
    return {
        "version": SNAPSHOT_VERSION,
        "item": item.pk,
        "network": item.channel.network,
        "channel": str(item.channel),
        "kind": item.kind,
        "external_id": item.external_id,
        "author_name": item.author_name,
        "author_handle": item.author_handle,
        "author_network_id": author.external_id if author is not None else "",
        "text": item.text,
        "rating": item.rating,
        "permalink": item.permalink,
        "received_at": _utc(item.received_at),
        "ingested_at": _utc(item.created_at),
        "media": media_hashes(media),
        "thread": {
            "conversation": conversation.pk,
            "kind": conversation.kind,
            "title": conversation.title,
            "our_post": our_post,
            "previous": [
                {
                    "author": m.author_name,
                    "direction": m.direction,
                    "text": m.text,
                    "received_at": _utc(m.received_at),
                }
                for m in reversed(earlier)
            ],
        },
        # What moderation had done to the message when the case opened (normally nothing).
        "moderation": moderation,
        "taken_at": _utc(taken_at),
    }
