"""Bluesky replies and mentions reach the inbox by polling, against a real PDS and AppView:
the organisation publishes through Hygie, a second account answers the post and mentions the
organisation in a post of its own, and one poll brings both into the right conversations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, PollState
from hygie.inbox import polling
from hygie.inbox.models import InboxItem
from hygie.providers.bluesky.provider import BlueskyProvider
from hygie.publishing import engine
from hygie.publishing.actions import do_create_post, do_schedule_post
from hygie.publishing.models import Post, PostTarget

from .bluesky import BlueskyPeer

pytestmark = [pytest.mark.bluesky, pytest.mark.django_db]

PASSWORD = "mot-de-passe-app"


def now_z() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def publish_through_hygie(org: Organization, user: User, channel: Channel, text: str) -> str:
    post = do_create_post(org, text=text, channels=[channel], acting_user=user)
    do_schedule_post(post, when=timezone.now() + timedelta(minutes=1), acting_user=user)
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now())
    [attempt_id] = engine.dispatch_due()
    assert engine.run_attempt(attempt_id).status == "published"
    return str(PostTarget.objects.get(post=post).external_id)


def create_post(peer: BlueskyPeer, account: dict[str, Any], record: dict[str, Any]) -> str:
    answer = peer.xrpc_post(
        "com.atproto.repo.createRecord",
        account["accessJwt"],
        {
            "repo": account["did"],
            "collection": "app.bsky.feed.post",
            "record": {"$type": "app.bsky.feed.post", "createdAt": now_z(), **record},
        },
    )
    return str(answer["uri"])


def test_a_reply_and_a_mention_from_another_account_arrive_in_their_conversations(
    bluesky_peer: BlueskyPeer, alice: User, org_a: Organization
) -> None:
    peer = bluesky_peer
    pharmacy = peer.create_account("pharmacie-inbox.test", PASSWORD)
    patient = peer.create_account("camille-inbox.test", "mot-de-passe-camille")
    peer.wait_indexed(pharmacy["did"])
    peer.wait_indexed(patient["did"])
    connected = BlueskyProvider.connect("pharmacie-inbox.test", PASSWORD, base_url=peer.pds_url)
    channel = do_connect_channel(
        org_a,
        network="bluesky",
        name="Pharmacie Alpha",
        handle=connected.handle,
        credentials=json.dumps(connected.credentials),
        base_url=peer.pds_url,
        acting_user=alice,
    )
    ours = publish_through_hygie(org_a, alice, channel, "Vaccination grippe : sans rendez-vous.")
    post = peer.poll(
        lambda: peer.xrpc_get("app.bsky.feed.getPosts", pharmacy["accessJwt"], uris=[ours])[
            "posts"
        ],
        what="the AppView to index our post",
    )[0]
    ref = {"uri": ours, "cid": post["cid"]}
    answer = create_post(
        peer,
        patient,
        {"text": "Et pour les enfants ?", "reply": {"root": ref, "parent": ref}},
    )
    mention_text = "@pharmacie-inbox.test avez-vous des autotests ?"
    mention = create_post(
        peer,
        patient,
        {
            "text": mention_text,
            "facets": [
                {
                    "index": {"byteStart": 0, "byteEnd": len("@pharmacie-inbox.test")},
                    "features": [
                        {"$type": "app.bsky.richtext.facet#mention", "did": pharmacy["did"]}
                    ],
                }
            ],
        },
    )
    peer.poll(
        lambda: (
            len(
                peer.xrpc_get("app.bsky.notification.listNotifications", pharmacy["accessJwt"])[
                    "notifications"
                ]
            )
            >= 2
        ),
        what="the AppView to notify the reply and the mention",
    )

    outcome = polling.poll_channel(channel.pk)

    assert (outcome.status, outcome.ingested) == ("polled", 2)
    reply = InboxItem.objects.get(channel=channel, external_id=answer)
    assert (reply.kind, reply.text) == ("comment", "Et pour les enfants ?")
    assert reply.author_handle == "camille-inbox.test"
    assert reply.parent_external_id == ours
    # Under our post: the conversation is the thread of the post Hygie published.
    assert reply.conversation.thread_external_id == ours
    assert reply.conversation.parent_target == PostTarget.objects.get(external_id=ours)
    assert reply.extra["root_uri"] == ours and reply.extra["root_cid"] == post["cid"]
    assert reply.extra["uri"] == answer and reply.extra["cid"]
    assert reply.permalink.startswith("https://bsky.app/profile/camille-inbox.test/post/")
    mentioned = InboxItem.objects.get(channel=channel, external_id=mention)
    assert (mentioned.kind, mentioned.text) == ("mention", mention_text)
    assert mentioned.conversation.thread_external_id == mention
    assert mentioned.conversation != reply.conversation

    # Nothing new: the next poll stores nothing and keeps its place.
    cursor = PollState.objects.get(channel=channel).cursor
    assert cursor
    again = polling.poll_channel(channel.pk)
    assert again.ingested == 0 and again.duplicates >= 1
    assert PollState.objects.get(channel=channel).cursor == cursor
