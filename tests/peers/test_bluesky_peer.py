"""The real Bluesky peer works end to end, through plain XRPC over httpx.

Alice posts a link (a facet with UTF-8 byte offsets, after non-ASCII text) and an image with
alt text; the AppView returns both; Bob replies and Alice is notified. Needs PostgreSQL on
127.0.0.1:5432 and the npm registry for the first install (about 2-3 minutes, then cached).
"""

from __future__ import annotations

import struct
import time
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest

from .bluesky import BlueskyPeer

LINK = "https://pharmacie-alpha.test/horaires-été"
TEXT = f"Horaires d’été 🌞 de la pharmacie : {LINK} — à bientôt !"
ALT = "Vitrine de la Pharmacie Alpha, croix verte allumée"


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid RGB PNG (green pixels), built with zlib and struct only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x00\xa0\x40" * width for _ in range(height))  # filter 0 + RGB
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def link_facet(text: str, uri: str) -> dict[str, Any]:
    """A link facet: offsets count UTF-8 bytes, not characters."""
    start = len(text[: text.index(uri)].encode("utf-8"))
    return {
        "index": {"byteStart": start, "byteEnd": start + len(uri.encode("utf-8"))},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
    }


def create_post(peer: BlueskyPeer, account: dict[str, Any], record: dict[str, Any]) -> Any:
    return peer.xrpc_post(
        "com.atproto.repo.createRecord",
        account["accessJwt"],
        {
            "repo": account["did"],
            "collection": "app.bsky.feed.post",
            "record": {"$type": "app.bsky.feed.post", "createdAt": now(), **record},
        },
    )


@pytest.mark.bluesky
def test_post_with_link_and_image_then_reply_and_notification(
    bluesky_peer: BlueskyPeer,
) -> None:
    peer = bluesky_peer
    print(
        f"\nBluesky peer READY in {peer.startup_seconds:.1f} s: {peer.pds_url} {peer.appview_url}"
    )
    started = time.monotonic()

    # Every server of the peer listens on loopback only.
    addresses = peer.listening_addresses()
    assert {port for _, port in addresses} >= set(peer.ports.values())
    assert {ip for ip, _ in addresses} == {"127.0.0.1"}, addresses

    alice = peer.create_account("alice.test", "alice-password-123")
    bob = peer.create_account("bob.test", "bob-password-123")
    assert alice["did"].startswith("did:plc:") and alice["handle"] == "alice.test"
    assert alice["accessJwt"] and alice["refreshJwt"]
    assert peer.wait_indexed(alice["did"])["handle"] == "alice.test"
    assert peer.wait_indexed("bob.test")["did"] == bob["did"]

    png = tiny_png()
    blob = peer.upload_blob(alice["accessJwt"], png, "image/png")
    assert blob["mimeType"] == "image/png" and blob["size"] == len(png)
    facet = link_facet(TEXT, LINK)
    assert facet["index"]["byteStart"] > TEXT.index(LINK)  # é, ’ and 🌞 take several bytes
    post = create_post(
        peer,
        alice,
        {
            "text": TEXT,
            "langs": ["fr"],
            "facets": [facet],
            "embed": {
                "$type": "app.bsky.embed.images",
                "images": [{"image": blob, "alt": ALT, "aspectRatio": {"width": 2, "height": 2}}],
            },
        },
    )
    assert post["uri"].startswith(f"at://{alice['did']}/app.bsky.feed.post/")

    # Read it back from the AppView, through Alice's PDS (as a client app does).
    thread = peer.poll(
        lambda: peer.xrpc_get(
            "app.bsky.feed.getPostThread", alice["accessJwt"], uri=post["uri"], depth=1
        ),
        what="the AppView to index the post",
    )["thread"]
    view = thread["post"]
    assert view["cid"] == post["cid"]
    assert view["author"]["handle"] == "alice.test"
    assert view["record"]["text"] == TEXT
    assert view["record"]["facets"] == [facet]
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert TEXT.encode("utf-8")[start:end].decode("utf-8") == LINK
    image = view["embed"]["images"][0]
    assert view["embed"]["$type"] == "app.bsky.embed.images#view"
    assert image["alt"] == ALT
    assert image["aspectRatio"] == {"width": 2, "height": 2}
    assert blob["ref"]["$link"] in image["fullsize"]

    # The AppView answers directly too, without any token.
    public = peer.xrpc_get(
        "app.bsky.feed.getPostThread", base_url=peer.appview_url, uri=post["uri"]
    )
    assert public["thread"]["post"]["embed"]["images"][0]["alt"] == ALT

    # Bob replies; Alice's notifications show it.
    ref = {"uri": post["uri"], "cid": post["cid"]}
    reply = create_post(
        peer, bob, {"text": "Merci, à samedi !", "reply": {"root": ref, "parent": ref}}
    )

    def reply_notifications() -> list[dict[str, Any]]:
        listed = peer.xrpc_get("app.bsky.notification.listNotifications", alice["accessJwt"])
        return [n for n in listed["notifications"] if n["reason"] == "reply"]

    notifications = peer.poll(reply_notifications, what="Alice's reply notification")
    assert len(notifications) == 1
    notification = notifications[0]
    assert notification["author"]["did"] == bob["did"]
    assert notification["uri"] == reply["uri"]
    assert notification["reasonSubject"] == post["uri"]
    assert notification["record"]["text"] == "Merci, à samedi !"

    replies = peer.poll(
        lambda: peer.xrpc_get(
            "app.bsky.feed.getPostThread", bob["accessJwt"], uri=post["uri"], depth=1
        )["thread"].get("replies"),
        what="the reply in the thread",
    )
    assert [r["post"]["uri"] for r in replies] == [reply["uri"]]
    print(f"Bluesky scenario done in {time.monotonic() - started:.2f} s")
