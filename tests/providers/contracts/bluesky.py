"""Bluesky fixtures from the lexicons (bluesky-social/atproto lexicons/**), for the error cases.

The happy path also runs against a real PDS and AppView (tests/peers).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account, PublishResult
from hygie.providers.inbound import ReplyResult, ReplyTarget

KIND = "bluesky"
PUBLISH = ("POST", r"/xrpc/com\.atproto\.repo\.putRecord")
DID = "did:plc:abc123"
ERROR_BODIES: dict[int, Any] = {
    401: {"error": "ExpiredToken", "message": "Token has expired"},
    403: {"error": "Forbidden", "message": "Account is not allowed to write"},
    429: {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
    500: {"error": "InternalServerError", "message": "Internal Server Error"},
}
BLOB = {"$type": "blob", "ref": {"$link": "bafkreibabc"}, "mimeType": "image/png", "size": 69}


def account(base_url: str) -> Account:
    return Account(
        handle="pharmacie.bsky.social",
        credentials={
            "did": DID,
            "handle": "pharmacie.bsky.social",
            "access_jwt": "a.b.c",
            "refresh_jwt": "r.s.t",
            "app_password": "xxxx-xxxx-xxxx-xxxx",
        },
        base_url=base_url,
    )


def _put(recorded: Any) -> Reply:
    rkey = recorded.json()["rkey"]
    return Reply(
        200,
        {
            "uri": f"at://{DID}/app.bsky.feed.post/{rkey}",
            "cid": "bafyreia",
            "validationStatus": "valid",
        },
    )


def _get(recorded: Any) -> Reply:
    rkey = dict(p.split("=", 1) for p in recorded.query.split("&"))["rkey"]
    return Reply(
        200,
        {"uri": f"at://{DID}/app.bsky.feed.post/{rkey}", "cid": "bafyreia", "value": {"text": "…"}},
    )


def install_happy_path(net: FakeNetwork) -> None:
    net.route(
        "GET",
        r"/xrpc/com\.atproto\.identity\.resolveHandle",
        Reply(400, {"error": "InvalidRequest", "message": "Unable to resolve handle"}),
    )
    net.route("POST", r"/xrpc/com\.atproto\.repo\.uploadBlob", Reply(200, {"blob": BLOB}))
    net.route("POST", r"/xrpc/com\.atproto\.repo\.putRecord", _put)
    net.route("GET", r"/xrpc/com\.atproto\.repo\.getRecord", _get)
    net.route("POST", r"/xrpc/com\.atproto\.repo\.deleteRecord", Reply(200, {"commit": {}}))


def check_published(net: FakeNetwork, result: PublishResult, alt_text: str) -> None:
    assert result.url.startswith("https://bsky.app/profile/pharmacie.bsky.social/post/")
    record = net.requests_to("POST", r"/xrpc/com\.atproto\.repo\.putRecord")[-1].json()["record"]
    assert record["embed"]["images"][0]["alt"] == alt_text
    assert record["embed"]["images"][0]["image"] == BLOB
    link = next(f for f in record["facets"] if f["features"][0]["$type"].endswith("#link"))
    start, end = link["index"]["byteStart"], link["index"]["byteEnd"]
    assert record["text"].encode()[start:end] == b"https://example.org/grippe"


# --- Moderation (lexicons app.bsky.graph.block, app.bsky.feed.threadgate,
# com.atproto.repo.getRecord / putRecord / createRecord, whose error names are RecordNotFound
# and InvalidSwap). ``Repository`` keeps the records written, so a hide then an unhide read
# back what the first wrote. The same flows also run against the real PDS (tests/peers).
ROOT_URI = f"at://{DID}/app.bsky.feed.post/3lq7xkz5abc2k"
REPLY_URI = "at://did:plc:troll456/app.bsky.feed.post/3lq7xm2fgh7ab"
TROLL_DID = "did:plc:troll456"


class Repository:
    """The threadgate and block records of the organisation's repository, in memory."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.version = 0

    def _cid(self) -> str:
        self.version += 1
        return f"bafyreigate{self.version}"

    def get(self, recorded: Any) -> Reply:
        query = dict(p.split("=", 1) for p in recorded.query.split("&"))
        key = (query["collection"], query["rkey"])
        if query["collection"] == "app.bsky.feed.post":
            return _get(recorded)
        if key not in self.records:
            return Reply(400, {"error": "RecordNotFound", "message": "Could not locate record"})
        stored = self.records[key]
        return Reply(
            200,
            {
                "uri": f"at://{DID}/{key[0]}/{key[1]}",
                "cid": stored["cid"],
                "value": stored["value"],
            },
        )

    def put(self, recorded: Any) -> Reply:
        body = recorded.json()
        if body["collection"] == "app.bsky.feed.post":
            return _put(recorded)
        key = (body["collection"], body["rkey"])
        current = self.records.get(key)
        if "swapRecord" in body and (current is None or current["cid"] != body["swapRecord"]):
            return Reply(400, {"error": "InvalidSwap", "message": "Record was at another cid"})
        cid = self._cid()
        self.records[key] = {"cid": cid, "value": body["record"]}
        return Reply(200, {"uri": f"at://{DID}/{key[0]}/{key[1]}", "cid": cid})

    def create(self, recorded: Any) -> Reply:
        body = recorded.json()
        rkey = f"3lq7zz{len(self.records):07d}"
        cid = self._cid()
        self.records[(body["collection"], rkey)] = {"cid": cid, "value": body["record"]}
        return Reply(200, {"uri": f"at://{DID}/{body['collection']}/{rkey}", "cid": cid})


def install_moderation(net: FakeNetwork) -> Repository:
    repo = Repository()
    net.route("GET", r"/xrpc/com\.atproto\.repo\.getRecord", repo.get, first=True)
    net.route("POST", r"/xrpc/com\.atproto\.repo\.putRecord", repo.put, first=True)
    net.route("POST", r"/xrpc/com\.atproto\.repo\.createRecord", repo.create, first=True)
    return repo


# --- Replies (lexicon app.bsky.feed.post: ``reply: {root, parent}``, strong refs ``{uri, cid}``;
# app.bsky.feed.getPosts -> ``{"posts": [postView]}`` with ``record.reply``). A reply by another
# account under the organisation's post (ROOT_URI), as polling stores it.
REPLY_CID = "bafyreiparentcid"
ROOT_CID = "bafyreirootcid"
REQUESTED_AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
REPLY_TARGETS = {
    "comment": ReplyTarget(
        kind="comment",
        external_id=REPLY_URI,
        thread_id=ROOT_URI,
        author_id=TROLL_DID,
        extra={"cid": REPLY_CID, "root_uri": ROOT_URI, "root_cid": ROOT_CID},
        requested_at=REQUESTED_AT,
    )
}
REPLY_CALLS = {"comment": ("POST", r"/xrpc/com\.atproto\.repo\.putRecord")}


def install_replies(net: FakeNetwork, *, answered_with: str = "") -> None:
    install_happy_path(net)
    net.route(
        "GET",
        r"/xrpc/app\.bsky\.feed\.getPosts",
        Reply(
            200,
            {
                "posts": [
                    {
                        "uri": REPLY_URI,
                        "cid": REPLY_CID,
                        "author": {"did": TROLL_DID, "handle": "troll.test"},
                        "record": {
                            "$type": "app.bsky.feed.post",
                            "text": "Et les effets secondaires ?",
                            "createdAt": "2026-11-22T09:00:00.000Z",
                            "reply": {
                                "root": {"uri": ROOT_URI, "cid": ROOT_CID},
                                "parent": {"uri": ROOT_URI, "cid": ROOT_CID},
                            },
                        },
                        "indexedAt": "2026-11-22T09:00:01.000Z",
                    }
                ]
            },
        ),
    )


def check_reply(net: FakeNetwork, kind: str, result: ReplyResult, text: str) -> None:
    sent = net.requests_to("POST", r"/xrpc/com\.atproto\.repo\.putRecord")[-1].json()
    assert sent["repo"] == DID and sent["collection"] == "app.bsky.feed.post"
    assert sent["record"]["text"] == text
    assert sent["record"]["reply"] == {
        "root": {"uri": ROOT_URI, "cid": ROOT_CID},
        "parent": {"uri": REPLY_URI, "cid": REPLY_CID},
    }
    assert sent["record"]["createdAt"] == "2026-11-22T09:30:00.000Z"
    assert result.external_id == f"at://{DID}/app.bsky.feed.post/{sent['rkey']}"


# --- inbox: notifications (lexicon app.bsky.notification.listNotifications; digest §7.2) --------

INBOX = ("GET", r"/xrpc/app\.bsky\.notification\.listNotifications")
OUR_POST = f"at://{DID}/app.bsky.feed.post/3lq7xkz5abc2k"
OUR_REF = {"uri": OUR_POST, "cid": "bafyreiours"}
CAMILLE = {"did": "did:plc:camille", "handle": "camille.bsky.social", "displayName": "Camille"}


def _notification(
    rkey: str, reason: str, indexed_at: str, record: dict[str, Any], author: dict[str, Any]
) -> dict[str, Any]:
    return {
        "uri": f"at://{author['did']}/app.bsky.feed.post/{rkey}",
        "cid": f"bafyrei{rkey}",
        "author": author,
        "reason": reason,
        "reasonSubject": OUR_POST,
        "record": {"$type": "app.bsky.feed.post", "createdAt": indexed_at, **record},
        "isRead": False,
        "indexedAt": indexed_at,
        "labels": [],
    }


REPLY = _notification(
    "3reply",
    "reply",
    "2026-05-04T09:13:00.000Z",
    {"text": "Et pour les enfants ?", "reply": {"root": OUR_REF, "parent": OUR_REF}},
    CAMILLE,
)
LIKE = {**_notification("3like", "like", "2026-05-04T09:12:30.000Z", {}, CAMILLE), "uri": "x"}
MENTION = _notification(
    "3mention",
    "mention",
    "2026-05-04T09:12:00.000Z",
    {"text": "@pharmacie.bsky.social ouverts dimanche ?"},
    {"did": "did:plc:dominique", "handle": "dominique.bsky.social"},
)
QUOTE = _notification(
    "3quote",
    "quote",
    "2026-05-03T18:00:00.000Z",
    {"text": "À lire", "embed": {"$type": "app.bsky.embed.record", "record": OUR_REF}},
    CAMILLE,
)
OLD_CURSOR = "2026-01-01T00:00:00.000Z"
ALL_COUNT = 3


def _notifications(request: Any) -> Reply:
    if "cursor=page-2" in request.query:
        return Reply(200, {"notifications": [QUOTE]})
    return Reply(
        200,
        {"notifications": [REPLY, LIKE, MENTION], "cursor": "page-2", "seenAt": OLD_CURSOR},
    )


def install_inbox(net: FakeNetwork) -> None:
    net.route("GET", INBOX[1], _notifications)


def check_inbox(net: FakeNetwork, page: Any) -> None:
    """One page; replies and mentions kept, likes left out; thread = the root post."""
    assert [e.kind for e in page.events] == ["comment", "mention"]
    reply, mention = page.events
    assert (reply.external_id, reply.thread_id, reply.parent_id) == (
        REPLY["uri"],
        OUR_POST,
        OUR_POST,
    )
    assert reply.extra["root_cid"] == "bafyreiours" and reply.extra["cid"] == "bafyrei3reply"
    assert (reply.author_id, reply.author_name, reply.author_handle) == (
        "did:plc:camille",
        "Camille",
        "camille.bsky.social",
    )
    assert mention.thread_id == mention.external_id == MENTION["uri"]
    assert mention.author_name == "dominique.bsky.social"
    assert page.cursor == REPLY["indexedAt"]
    request = net.requests_to(*INBOX)[0]
    assert "reasons=reply" in request.query and request.headers["authorization"] == "Bearer a.b.c"
