"""Bluesky fixtures from the lexicons (bluesky-social/atproto lexicons/**), for the error cases.

The happy path also runs against a real PDS and AppView (tests/peers).
"""

from __future__ import annotations

from typing import Any

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account, PublishResult

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
