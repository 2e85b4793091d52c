"""Answering on Bluesky: a post record whose ``reply`` points at the post answered and its root.

Lexicon ``app.bsky.feed.post``: ``reply: {root, parent}``, both ``com.atproto.repo.strongRef``
(``{uri, cid}``). The parent is the item answered (its at:// URI is the item's network id); its
cid and its thread's root come from the item's ``extra`` as ingestion stored them:

============  ==========================================================================
``cid``       the cid of the post answered
``root_uri``  the at:// URI of the thread's first post (absent: the post answered is the root)
``root_cid``  its cid
============  ==========================================================================

When they are missing (an item stored before they were kept) the post is read from the
AppView (``app.bsky.feed.getPosts``, through the PDS), which gives its cid and its own
``reply.root``.

Exactly once, as for publishing: the record key is a TID derived from when the reply was
decided and from its idempotency key, written with putRecord, so a retry writes the same record
again instead of a second reply. Direct messages (chat.bsky) are not answered from Hygie yet.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hygie.providers.errors import Rejected
from hygie.providers.inbound import ReplyResult, ReplyTarget, Unsupported
from hygie.providers.text import bluesky_facets

if TYPE_CHECKING:
    from hygie.providers.bluesky.provider import BlueskyProvider

KINDS = frozenset({"comment", "mention"})
COLLECTION = "app.bsky.feed.post"


def strong_refs(provider: BlueskyProvider, target: ReplyTarget) -> dict[str, dict[str, str]]:
    """``{"root": {uri, cid}, "parent": {uri, cid}}`` for a reply to ``target``."""
    uri = target.external_id
    if not uri.startswith("at://"):
        raise Rejected(f"Bluesky: {uri!r} is not the at:// address of a post")
    extra = target.extra
    cid = extra.get("cid", "")
    root_uri, root_cid = extra.get("root_uri", ""), extra.get("root_cid", "")
    if not cid or bool(root_uri) != bool(root_cid):
        cid, root_uri, root_cid = _read_refs(provider, uri)
    parent = {"uri": uri, "cid": cid}
    root = {"uri": root_uri, "cid": root_cid} if root_uri else parent
    return {"root": root, "parent": parent}


def _read_refs(provider: BlueskyProvider, uri: str) -> tuple[str, str, str]:
    """The post's cid and its thread's root, from the AppView."""
    answer = provider.call(
        "GET", "/xrpc/app.bsky.feed.getPosts", headers=provider._auth(), params={"uris": uri}
    )
    posts = (answer.data or {}).get("posts") or []
    post: dict[str, Any] = posts[0] if posts and isinstance(posts[0], dict) else {}
    if not post.get("cid"):
        raise Rejected("Bluesky: the post answered no longer exists", code="NotFound")
    root = ((post.get("record") or {}).get("reply") or {}).get("root") or {}
    return str(post["cid"]), str(root.get("uri") or ""), str(root.get("cid") or "")


def record_key(target: ReplyTarget, idempotency_key: str) -> str:
    from hygie.providers.bluesky.provider import make_tid  # the provider imports this module

    return make_tid(target.requested_at or datetime.now(UTC), idempotency_key)


def reply(
    provider: BlueskyProvider, target: ReplyTarget, text: str, *, idempotency_key: str
) -> ReplyResult:
    if target.kind not in KINDS:
        raise Unsupported("Bluesky: direct messages are not answered from Hygie yet")
    headers = provider._auth()
    created_at = (target.requested_at or datetime.now(UTC)).astimezone(UTC)
    record: dict[str, Any] = {
        "$type": COLLECTION,
        "text": text,
        "createdAt": created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "langs": ["fr"],
        "reply": strong_refs(provider, target),
    }
    facets = bluesky_facets(text, provider._resolve_handle)
    if facets:
        record["facets"] = facets
    answer = provider.call(
        "POST",
        "/xrpc/com.atproto.repo.putRecord",
        write=True,
        headers=headers,
        json={
            "repo": provider.did,
            "collection": COLLECTION,
            "rkey": record_key(target, idempotency_key),
            "record": record,
        },
    )
    uri = str((answer.data or {}).get("uri") or "")
    if not uri:
        raise Rejected(f"Bluesky answered without a record address: {str(answer.data)[:200]}")
    return ReplyResult(uri, provider.web_url(uri))


def find_reply(
    provider: BlueskyProvider, target: ReplyTarget, *, idempotency_key: str
) -> ReplyResult | None:
    """The reply's record, if the PDS has it (its key is known in advance)."""
    found = provider.get_post(
        f"at://{provider.did}/{COLLECTION}/{record_key(target, idempotency_key)}"
    )
    return ReplyResult(found.external_id, found.url) if found is not None else None
