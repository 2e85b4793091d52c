"""Hygie's Bluesky provider against a real PDS and AppView on loopback."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.providers.test_contract import tiny_png

from hygie.providers.base import MediaItem, OutboundPost
from hygie.providers.bluesky.provider import BlueskyProvider

from .bluesky import BlueskyPeer

pytestmark = pytest.mark.bluesky

ALT = "Affiche : campagne de vaccination contre la grippe"
TEXT = "Vaccination grippe à la pharmacie ✨ détails https://example.org/grippe #santé"


def thread(peer: BlueskyPeer, uri: str, token: str) -> dict[str, Any]:
    return peer.poll(
        lambda: peer.xrpc_get("app.bsky.feed.getPostThread", token, uri=uri)["thread"]["post"],
        what="the AppView to index the post",
    )


def test_a_post_published_by_hygie_is_read_back_from_the_appview_with_alt_text_and_link(
    bluesky_peer: BlueskyPeer,
) -> None:
    peer = bluesky_peer
    account = peer.create_account("pharmacie-provider.test", "mot-de-passe-app")
    peer.wait_indexed(account["did"])
    connected = BlueskyProvider.connect(
        "pharmacie-provider.test", "mot-de-passe-app", base_url=peer.pds_url
    )
    assert connected.credentials["did"] == account["did"]
    provider = BlueskyProvider(connected)
    post = OutboundPost(
        text=TEXT,
        media=(MediaItem(tiny_png(), "image/png", ALT, "a.png", 1, 1),),
        created_at=datetime.now(UTC),
    )

    result = provider.publish(post, idempotency_key="hygie-attempt-1")
    assert result.url.startswith("https://bsky.app/profile/pharmacie-provider.test/post/")
    view = thread(peer, result.external_id, connected.credentials["access_jwt"])
    assert view["record"]["text"] == TEXT
    assert view["embed"]["images"][0]["alt"] == ALT
    link = next(
        f
        for f in view["record"]["facets"]
        if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"
    )
    start, end = link["index"]["byteStart"], link["index"]["byteEnd"]
    assert TEXT.encode()[start:end] == b"https://example.org/grippe"
    assert any(f["features"][0].get("tag") == "santé" for f in view["record"]["facets"])

    # The same attempt published again (a retry after a lost answer) is the same record.
    again = provider.publish(post, idempotency_key="hygie-attempt-1")
    assert again.external_id == result.external_id
    feed = peer.xrpc_get(
        "com.atproto.repo.listRecords", repo=account["did"], collection="app.bsky.feed.post"
    )
    assert len(feed["records"]) == 1
    assert (
        provider.find_published(post, idempotency_key="hygie-attempt-1", since=datetime.now(UTC))
        is not None
    )

    provider.delete(result.external_id)
    assert provider.get_post(result.external_id) is None
