"""Moderating on Bluesky: hide replies under the organisation's own posts, block authors.

Nobody can delete another account's record, so DELETE is not offered.

References (bluesky-social/atproto lexicons):

* ``app.bsky.graph.block``: a record ``{subject: did, createdAt}`` in the blocker's repository,
  written with ``com.atproto.repo.createRecord``;
* ``app.bsky.feed.threadgate``: one record per thread, "the record key (rkey) of the threadgate
  record must match the record key of the thread's root post, and that record must be in the
  same repository"; ``hiddenReplies`` lists the hidden replies' AT-URIs (at most 50); without
  ``allow`` anybody may reply (an empty ``allow`` would let nobody reply: never written here).

Hiding reads the thread's gate (``com.atproto.repo.getRecord``; ``RecordNotFound`` when there is
none), adds or removes the reply and writes it back with ``com.atproto.repo.putRecord`` and
``swapRecord`` (the cid read), so a concurrent change of the gate is never overwritten: on
``InvalidSwap`` the gate is read again, once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from hygie.providers.errors import ProviderError, Rejected
from hygie.providers.inbound import ModerationAction, ReplyTarget, Unsupported

if TYPE_CHECKING:
    from hygie.providers.bluesky.provider import BlueskyProvider

ACTIONS = frozenset({ModerationAction.HIDE, ModerationAction.UNHIDE, ModerationAction.BLOCK})
BLOCK = "app.bsky.graph.block"
THREADGATE = "app.bsky.feed.threadgate"
POST = "app.bsky.feed.post"
MAX_HIDDEN = 50  # lexicon: hiddenReplies maxLength


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _xrpc_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""


def moderate(provider: BlueskyProvider, action: ModerationAction, target: ReplyTarget) -> None:
    if action not in ACTIONS:
        raise Unsupported(f"Bluesky cannot {action}")
    if action == ModerationAction.BLOCK:
        block(provider, target)
    else:
        set_hidden(provider, target, hidden=action == ModerationAction.HIDE)


def block(provider: BlueskyProvider, target: ReplyTarget) -> None:
    """Create a block record for the author (resolved to a DID when we only have a handle)."""
    subject = target.author_id
    if subject and not subject.startswith("did:"):
        subject = provider._resolve_handle(subject.lstrip("@")) or ""
    if not subject.startswith("did:"):
        raise Rejected("Bluesky: the author of this message is unknown, it cannot be blocked.")
    provider.call(
        "POST",
        "/xrpc/com.atproto.repo.createRecord",
        headers=provider._auth(),
        json={
            "repo": provider.did,
            "collection": BLOCK,
            "record": {"$type": BLOCK, "subject": subject, "createdAt": now_iso()},
        },
    )


def root_key(provider: BlueskyProvider, target: ReplyTarget) -> tuple[str, str]:
    """The thread's root post (``extra["root_uri"]``, else the thread id) and its record key,
    when that post is the organisation's own: only its author can hide replies under it."""
    root = str(target.extra.get("root_uri") or target.thread_id)
    parts = root.removeprefix("at://").split("/")
    mine = {provider.did, provider.account.credentials.get("handle"), provider.account.handle}
    if not (root.startswith("at://") and len(parts) == 3 and parts[0] in mine and parts[1] == POST):
        raise Unsupported("Bluesky hides replies under the organisation's own posts only")
    if not target.external_id.startswith("at://") or target.external_id == root:
        raise Unsupported("Bluesky hides replies only, not the post itself")
    return root, parts[2]


def xrpc(provider: BlueskyProvider, method: str, nsid: str, **kwargs: Any) -> Any:
    """One call whose XRPC error name is kept as the error's ``code`` (RecordNotFound,
    InvalidSwap), where the generic mapping keeps only the message."""

    def classify(response: httpx.Response) -> ProviderError | None:
        name = _xrpc_error(response) if response.status_code == 400 else ""
        if name in ("RecordNotFound", "InvalidSwap"):
            return Rejected(f"Bluesky: {name}", status=400, code=name)
        return provider.classify(response)

    return provider.http.request(
        method,
        f"{provider.base_url}/xrpc/{nsid}",
        classify=classify,
        headers=provider._auth(),
        **kwargs,
    )


def read_gate(provider: BlueskyProvider, rkey: str) -> tuple[dict[str, Any], str | None]:
    """The thread's gate record and its cid, or ({}, None) when the thread has no gate."""
    try:
        answer = xrpc(
            provider,
            "GET",
            "com.atproto.repo.getRecord",
            params={"repo": provider.did, "collection": THREADGATE, "rkey": rkey},
        )
    except Rejected as exc:
        if exc.code == "RecordNotFound":
            return {}, None
        raise
    data = answer.data if isinstance(answer.data, dict) else {}
    value = data.get("value")
    cid = data.get("cid")
    return (dict(value) if isinstance(value, dict) else {}), (str(cid) if cid else None)


def set_hidden(provider: BlueskyProvider, target: ReplyTarget, *, hidden: bool) -> None:
    root, rkey = root_key(provider, target)
    reply = target.external_id
    for attempt in (1, 2):
        gate, cid = read_gate(provider, rkey)
        listed = [str(uri) for uri in gate.get("hiddenReplies") or []]
        if (reply in listed) == hidden:
            return  # already as asked
        if hidden:
            if len(listed) >= MAX_HIDDEN:
                raise Rejected(f"Bluesky hides at most {MAX_HIDDEN} replies per thread.")
            listed.append(reply)
        else:
            listed.remove(reply)
        record = {"$type": THREADGATE, "post": root, "createdAt": now_iso(), **gate}
        record["hiddenReplies"] = listed
        body: dict[str, Any] = {
            "repo": provider.did,
            "collection": THREADGATE,
            "rkey": rkey,
            "record": record,
        }
        if cid:
            body["swapRecord"] = cid
        try:
            xrpc(provider, "POST", "com.atproto.repo.putRecord", json=body)
        except Rejected as exc:
            if attempt == 1 and exc.code == "InvalidSwap":
                continue  # the gate changed since we read it: read it again
            raise
        return
