"""Moderation against real peers: a Bluesky PDS and AppView (hide a reply under our post, block
its author), and mastodon-mock, a stateful implementation of the Mastodon API (block)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from mastodon_mock.config import SeedAccount, SeedConfig
from tests.peers.bluesky import BlueskyPeer

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.inbox.actions import do_ingest_item
from hygie.inbox.models import InboxItem
from hygie.moderation.actions import do_apply_rules, do_create_rule, do_moderate, do_restore
from hygie.moderation.state import state_of
from hygie.providers.base import OutboundPost
from hygie.providers.bluesky.provider import BlueskyProvider

PASSWORD = "mot-de-passe-app"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def bluesky_channel(org: Organization, user: User, peer: BlueskyPeer, handle: str) -> Channel:
    account = BlueskyProvider.connect(handle, PASSWORD, base_url=peer.pds_url)
    return do_connect_channel(
        org,
        network=Network.BLUESKY,
        name="Alpha sky",
        handle=account.handle,
        credentials=json.dumps(account.credentials),
        base_url=peer.pds_url,
        acting_user=user,
    )


def root_view(peer: BlueskyPeer, uri: str, token: str) -> dict[str, Any]:
    thread = peer.xrpc_get("app.bsky.feed.getPostThread", token, uri=uri, depth=2)["thread"]
    post: dict[str, Any] = thread["post"]
    return post


def hidden_replies(peer: BlueskyPeer, uri: str, token: str) -> list[str]:
    gate = root_view(peer, uri, token).get("threadgate") or {}
    return list((gate.get("record") or {}).get("hiddenReplies") or [])


@pytest.mark.bluesky
@pytest.mark.django_db
def test_bluesky_a_rule_hides_a_reply_under_our_post_and_restoring_shows_it_again(
    bluesky_peer: BlueskyPeer, org_a: Organization, alice: User, bob: User
) -> None:
    peer = bluesky_peer
    ours = peer.create_account("pharma-mod.test", PASSWORD)
    troll = peer.create_account("troll-mod.test", "troll-password")
    peer.wait_indexed(ours["did"])
    peer.wait_indexed(troll["did"])
    channel = bluesky_channel(org_a, alice, peer, "pharma-mod.test")
    provider = BlueskyProvider(
        BlueskyProvider.connect(ours["handle"], PASSWORD, base_url=peer.pds_url)
    )
    root = provider.publish(
        OutboundPost(text="Vaccination grippe : sans rendez-vous", created_at=datetime.now(UTC)),
        idempotency_key="hygie-attempt-moderation",
    )
    root_cid = peer.xrpc_get(
        "com.atproto.repo.getRecord",
        repo=ours["did"],
        collection="app.bsky.feed.post",
        rkey=root.external_id.rsplit("/", 1)[-1],
    )["cid"]
    reply = peer.xrpc_post(
        "com.atproto.repo.createRecord",
        troll["accessJwt"],
        {
            "repo": troll["did"],
            "collection": "app.bsky.feed.post",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "Bande d'escrocs",
                "createdAt": now_iso(),
                "reply": {
                    "root": {"uri": root.external_id, "cid": root_cid},
                    "parent": {"uri": root.external_id, "cid": root_cid},
                },
            },
        },
    )
    item, _ = do_ingest_item(
        channel,
        kind="comment",
        external_id=reply["uri"],
        author_name="Troll",
        author_handle=troll["handle"],
        author_external_id=troll["did"],
        text="Bande d'escrocs",
        received_at=timezone.now() - timedelta(seconds=5),
        thread_external_id=root.external_id,
        parent_external_id=root.external_id,
        extra={"root_uri": root.external_id, "cid": reply["cid"]},
    )
    do_create_rule(
        org_a, data={"name": "Insultes", "pattern": "escrocs", "action": "hide"}, acting_user=alice
    )

    entry = do_apply_rules(item)
    assert entry is not None and entry.action_taken == "hide", entry and entry.action_error
    token = ours["accessJwt"]
    peer.poll(
        lambda: hidden_replies(peer, root.external_id, token) == [reply["uri"]],
        what="the AppView to show the reply as hidden",
    )
    gate = peer.xrpc_get(
        "com.atproto.repo.getRecord",
        repo=ours["did"],
        collection="app.bsky.feed.threadgate",
        rkey=root.external_id.rsplit("/", 1)[-1],
    )["value"]
    assert gate["post"] == root.external_id and "allow" not in gate

    do_restore(entry, acting_user=bob)
    peer.poll(
        lambda: hidden_replies(peer, root.external_id, token) == [],
        what="the AppView to show the reply again",
    )
    assert not state_of(item).hidden


@pytest.mark.bluesky
@pytest.mark.django_db
def test_bluesky_blocks_the_author_of_a_message(
    bluesky_peer: BlueskyPeer, org_a: Organization, alice: User, bob: User
) -> None:
    peer = bluesky_peer
    ours = peer.create_account("pharma-blk.test", PASSWORD)
    troll = peer.create_account("troll-blk.test", "troll-password")
    peer.wait_indexed(ours["did"])
    peer.wait_indexed(troll["did"])
    channel = bluesky_channel(org_a, alice, peer, "pharma-blk.test")
    item, _ = do_ingest_item(
        channel,
        kind="mention",
        external_id=f"at://{troll['did']}/app.bsky.feed.post/3lq7xm2fgh7ab",
        author_name="Troll",
        author_handle=troll["handle"],
        author_external_id=troll["did"],
        text="@pharma-blk.test escrocs",
        received_at=timezone.now(),
    )
    assert state_of(item).actions == ("block",)  # a mention elsewhere cannot be hidden

    do_moderate(item, "block", acting_user=bob)

    def blocked() -> bool:
        profile = peer.xrpc_get("app.bsky.actor.getProfile", ours["accessJwt"], actor=troll["did"])
        return bool((profile.get("viewer") or {}).get("blocking"))

    peer.poll(blocked, what="the AppView to show the block")
    assert state_of(item).author_blocked


SEED = SeedConfig(
    accounts=[
        SeedAccount(username="pharma", display_name="Pharmacie", access_token="pharma_token"),
        SeedAccount(username="troll", display_name="Troll", access_token="troll_token"),
    ]
)


@pytest.mark.mastodon_mock(seed=SEED)
@pytest.mark.django_db
@pytest.mark.parametrize("known_by", ["id", "address"])
def test_mastodon_blocks_the_author_of_a_mention(
    mastodon_mock_server: Any, org_a: Organization, alice: User, bob: User, known_by: str
) -> None:
    server = mastodon_mock_server
    status = server.client("troll").status_post("@pharma vous êtes des escrocs")
    troll = status["account"]
    channel = do_connect_channel(
        org_a,
        network=Network.MASTODON,
        name="Alpha toots",
        handle="@pharma",
        credentials=json.dumps({"access_token": "pharma_token"}),
        base_url=server.base_url,
        acting_user=alice,
    )
    item: InboxItem
    item, _ = do_ingest_item(
        channel,
        kind="mention",
        external_id=str(status["id"]),
        author_name="Troll",
        author_handle=f"@{troll['acct']}",
        author_external_id=str(troll["id"]) if known_by == "id" else f"@{troll['acct']}",
        text="@pharma vous êtes des escrocs",
        received_at=timezone.now(),
    )
    assert state_of(item).actions == ("block",)

    do_moderate(item, "block", acting_user=bob)

    [relationship] = server.client("pharma").account_relationships(troll["id"])
    assert relationship["blocking"] is True
    assert state_of(item).author_blocked
