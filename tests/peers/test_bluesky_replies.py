"""Answering on Bluesky from Hygie, against a real PDS and AppView on loopback.

A second account answers a post of the organisation's account; polling brings the answer into
the inbox (with the cid and root the reply needs); a member answers it from Hygie; the answer is
read back from the AppView, under the person's reply, in the same thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.inbox import outbox, polling
from hygie.inbox.actions import do_send_reply, first_attempt
from hygie.inbox.models import Direction, InboxItem, ReplyStatus
from hygie.providers.bluesky.provider import BlueskyProvider
from hygie.providers.inbound import InboxPage

from .bluesky import BlueskyPeer, BlueskyPeerError

pytestmark = [pytest.mark.bluesky, pytest.mark.django_db]

ANSWER = "Bonjour Léa, oui : sans rendez-vous le matin, de 9 h à 12 h."


@dataclass
class Thread:
    channel: Channel
    org: dict[str, Any]
    person: dict[str, Any]
    post: dict[str, Any]
    reply: dict[str, Any]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def post(peer: BlueskyPeer, who: dict[str, Any], text: str, **record: Any) -> dict[str, Any]:
    return peer.xrpc_post(
        "com.atproto.repo.createRecord",
        who["accessJwt"],
        {
            "repo": who["did"],
            "collection": "app.bsky.feed.post",
            "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": now_iso()}
            | record,
        },
    )


def a_thread(peer: BlueskyPeer, org_a: Organization, alice: User, prefix: str) -> Thread:
    """The organisation's post, a person's reply to it, and the organisation's channel."""
    org = peer.create_account(f"{prefix}-pharmacie.test", "app-password-org")
    person = peer.create_account(f"{prefix}-lea.test", "password-lea")
    peer.wait_indexed(org["did"])
    peer.wait_indexed(person["did"])
    ours = post(peer, org, "Vaccination grippe : c'est parti à la pharmacie !")
    ref = {"uri": ours["uri"], "cid": ours["cid"]}
    # As in life, the answer comes after the AppView has indexed the post: a reply indexed
    # before its parent gets no notification (the parent's author is not known yet).
    peer.poll(
        lambda: peer.xrpc_get("app.bsky.feed.getPosts", org["accessJwt"], uris=[ours["uri"]]).get(
            "posts"
        ),
        timeout=30,
        what="the AppView to index the organisation's post",
    )
    theirs = post(peer, person, "Il faut prendre rendez-vous ?", reply={"root": ref, "parent": ref})
    account = BlueskyProvider.connect(
        f"{prefix}-pharmacie.test", "app-password-org", base_url=peer.pds_url
    )
    channel = do_connect_channel(
        org_a,
        network=Network.BLUESKY,
        name=f"Bluesky · {account.handle}",
        handle=account.handle,
        credentials=json.dumps(account.credentials),
        acting_user=alice,
        base_url=peer.pds_url,
    )
    return Thread(channel, org, person, ours, theirs)


def receive(peer: BlueskyPeer, thread: Thread) -> InboxItem:
    """Poll the channel (the provider's fetch_inbox, stored by the polling engine's ingest)."""
    provider = polling.build_provider(thread.channel)

    def arrived() -> InboxPage | None:
        found = provider.fetch_inbox("")
        return found if any(e.external_id == thread.reply["uri"] for e in found.events) else None

    try:
        page = peer.poll(arrived, timeout=60, what="the AppView to notify the organisation")
    except BlueskyPeerError:
        raw = peer.xrpc_get("app.bsky.notification.listNotifications", thread.org["accessJwt"])
        replies = peer.xrpc_get(
            "app.bsky.feed.getPostThread", thread.org["accessJwt"], uri=thread.post["uri"]
        )
        raise BlueskyPeerError(f"no notification: {raw} / thread: {replies}") from None
    polling.ingest(thread.channel, page.events)
    return InboxItem.objects.get(channel=thread.channel, external_id=thread.reply["uri"])


def test_a_reply_to_the_organisation_s_post_is_answered_and_read_back_from_the_appview(
    bluesky_peer: BlueskyPeer, org_a: Organization, alice: User
) -> None:
    peer = bluesky_peer
    thread = a_thread(peer, org_a, alice, "answer")
    item = receive(peer, thread)
    assert item.extra["cid"] == thread.reply["cid"]
    assert item.extra["root_uri"] == thread.post["uri"]

    reply = do_send_reply(
        item.conversation,
        text=ANSWER,
        in_reply_to=item,
        acting_user=alice,
        acknowledged_findings=False,
    )
    attempt = first_attempt(reply)
    assert outbox.run_reply_attempt(attempt.pk).status == "published"
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT
    assert reply.external_url.startswith("https://bsky.app/profile/answer-pharmacie.test/post/")

    # Read back from the AppView: our answer sits under Léa's reply, in the post's thread.
    view = peer.poll(
        lambda: peer.xrpc_get(
            "app.bsky.feed.getPostThread", thread.person["accessJwt"], uri=thread.reply["uri"]
        )["thread"].get("replies"),
        what="the AppView to show the answer under the reply",
    )
    [answer] = view
    assert answer["post"]["uri"] == reply.external_id
    assert answer["post"]["author"]["did"] == thread.org["did"]
    assert answer["post"]["record"]["text"] == ANSWER
    assert answer["post"]["record"]["reply"]["parent"]["uri"] == thread.reply["uri"]
    assert answer["post"]["record"]["reply"]["root"]["uri"] == thread.post["uri"]
    sent = InboxItem.objects.get(direction=Direction.OUTBOUND)
    assert sent.external_id == reply.external_id and sent.text == ANSWER

    # The same attempt sent again (a retry after a lost answer) is the same record.
    provider = outbox.build_reply_provider(thread.channel)
    again = provider.reply(
        outbox.reply_target(attempt), ANSWER, idempotency_key=attempt.idempotency_key
    )
    assert again.external_id == reply.external_id
    records = peer.xrpc_get(
        "com.atproto.repo.listRecords", repo=thread.org["did"], collection="app.bsky.feed.post"
    )["records"]
    assert len(records) == 2  # the post and one answer

    # The next poll does not bring our own answer back into the inbox as a message received.
    polling.ingest(thread.channel, provider.fetch_inbox("").events)
    assert not InboxItem.objects.filter(
        direction=Direction.INBOUND, external_id=reply.external_id
    ).exists()
