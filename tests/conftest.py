"""Personas shared by the whole suite.

* Alice owns "Pharmacie Alpha" (organisation A); Bob is its community manager; Rita reviews
  for it (medical reviewer, so she must use two-factor authentication).
* Charlie owns "Laboratoire Bêta" (organisation B). Nothing of B may ever reach A's members.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from tests.peers.fixtures import bluesky_peer, mail_peer, matrix_peer

from hygie.accounts.actions import do_add_member, do_create_organization
from hygie.accounts.middleware import SESSION_VERIFIED_KEY
from hygie.accounts.models import Organization, User
from hygie.accounts.roles import Role
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.contacts.actions import do_create_contact
from hygie.inbox.actions import do_ingest_item
from hygie.inbox.models import InboxItem
from hygie.publishing.actions import do_add_media, do_create_post
from hygie.publishing.models import Post
from hygie.safety.actions import do_open_case_from_item

# One real Bluesky network, one Synapse and one Dovecot per test session, for every folder.
__all__ = ["bluesky_peer", "mail_peer", "matrix_peer"]

PASSWORD = "correct horse battery staple"


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built here (no image library needed)."""
    import struct
    import zlib

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x0f\x76\x6e"))
        + chunk(b"IEND", b"")
    )


# Every text of organisation B carries this marker: no page shown to A may contain it.
CANARY = "CANARY-B-7f3a"


@pytest.fixture(autouse=True)
def _messages_in_english() -> Iterator[None]:
    """Actions' error messages in English, whatever language an earlier request left active.

    Requests still pick their own language (French by default), as in production.
    """
    with translation.override("en"):
        yield


def make_user(email: str, name: str = "") -> User:
    return User.objects.create_user(email, PASSWORD, full_name=name or email.split("@")[0])


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice@alpha.test", "Alice Owner")


@pytest.fixture
def org_a(alice: User) -> Organization:
    return do_create_organization(
        name="Pharmacie Alpha", slug="alpha", kind="pharmacy", owner=alice, acting_user=alice
    )


@pytest.fixture
def bob(org_a: Organization) -> User:
    bob = make_user("bob@alpha.test", "Bob Manager")
    do_add_member(
        org_a, email=bob.email, full_name="", roles=[Role.COMMUNITY_MANAGER], acting_user=None
    )
    return bob


@pytest.fixture
def rita(org_a: Organization) -> User:
    rita = make_user("rita@alpha.test", "Rita Reviewer")
    do_add_member(
        org_a, email=rita.email, full_name="", roles=[Role.REVIEWER_MEDICAL], acting_user=None
    )
    return rita


@pytest.fixture
def charlie(db: None) -> User:
    return make_user("charlie@beta.test", "Charlie Other")


@pytest.fixture
def org_b(charlie: User) -> Organization:
    return do_create_organization(
        name=f"Laboratoire Bêta {CANARY}",
        slug="beta",
        kind="pharma_company",
        owner=charlie,
        acting_user=charlie,
    )


@pytest.fixture
def channel_a(org_a: Organization, alice: User) -> Channel:
    return do_connect_channel(
        org_a, network=Network.FACEBOOK_PAGE, name="Alpha page", handle="alpha", acting_user=alice
    )


@pytest.fixture
def populated_b(org_b: Organization, charlie: User) -> dict[str, object]:
    """One row of every organisation-scoped kind in organisation B."""
    channel = do_connect_channel(
        org_b,
        network=Network.BLUESKY,
        name=f"Beta {CANARY}",
        handle="beta.bsky.social",
        acting_user=charlie,
    )
    post = do_create_post(
        org_b, text=f"Secret launch {CANARY}", channels=[channel], acting_user=charlie
    )
    item, _ = do_ingest_item(
        channel,
        kind="direct_message",
        external_id="b-1",
        author_name=f"Patient {CANARY}",
        text=f"I felt dizzy {CANARY}",
        received_at=timezone.now() - timedelta(hours=1),
    )
    contact = do_create_contact(
        org_b, data={"name": f"Dr {CANARY}", "kind": "kol"}, acting_user=charlie
    )
    case = do_open_case_from_item(item, acting_user=charlie)
    member = make_user("dave@beta.test", f"Dave {CANARY}")
    membership = do_add_member(
        org_b, email=member.email, full_name="", roles=[Role.ANALYST], acting_user=charlie
    )
    media = do_add_media(
        post, data=tiny_png(), filename="b.png", alt_text=f"alt {CANARY}", acting_user=charlie
    )
    from hygie.publishing.actions import do_add_slot, do_save_campaign

    campaign = do_save_campaign(org_b, data={"name": f"Launch {CANARY}"}, acting_user=charlie)
    slot = do_add_slot(org_b, weekday=1, at=time(18, 0), acting_user=charlie)
    from hygie.library.actions import do_create_template

    content_template = do_create_template(
        org_b, data={"title": f"Modèle {CANARY}", "text": f"Conseil {CANARY}"}, acting_user=charlie
    )
    from hygie.products.actions import do_save_org_product

    org_product = do_save_org_product(
        org_b,
        data={
            "name": f"Produit {CANARY}",
            "category": "medicine",
            "indications": f"Indication {CANARY}",
        },
        acting_user=charlie,
    )
    from hygie.approvals.actions import do_save_workflow, do_submit_for_approval

    workflow = do_save_workflow(
        org_b,
        name=f"Circuit {CANARY}",
        applies_to="flagged",
        validity_days=90,
        is_default=True,
        steps=[(Role.RESPONSIBLE_PHARMACIST, f"Validation {CANARY}")],
        acting_user=charlie,
    )
    approval_request = do_submit_for_approval(post, acting_user=charlie)
    from hygie.inbox.actions import do_add_note, do_create_saved_reply

    do_add_note(item.conversation, text=f"Note {CANARY}", acting_user=charlie)
    saved_reply = do_create_saved_reply(
        org_b,
        data={"title": f"Réponse {CANARY}", "body": f"Bonjour {{first_name}} {CANARY}"},
        acting_user=charlie,
    )
    from hygie.moderation.actions import do_apply_rules, do_create_rule

    moderation_rule = do_create_rule(
        org_b,
        data={"name": f"Règle {CANARY}", "pattern": CANARY, "action": "queue"},
        acting_user=charlie,
    )
    queue_entry = do_apply_rules(item)
    assert queue_entry is not None
    from hygie.safety.actions import (
        do_add_follow_up,
        do_link_duplicate,
        do_save_ack_template,
        do_save_safety_settings,
    )

    ack_template = do_save_ack_template(
        org_b, data={"name": f"Accusé {CANARY}", "text": f"Merci {CANARY}"}, acting_user=charlie
    )
    do_save_safety_settings(
        org_b, data={"forward_within_business_days": 2, "forward_to": CANARY}, acting_user=charlie
    )
    do_add_follow_up(case, channel="phone", text=f"Rappel {CANARY}", acting_user=charlie)
    other_item, _ = do_ingest_item(
        channel,
        kind="comment",
        external_id="b-2",
        author_name=f"Patient {CANARY}",
        text=f"Same dizziness {CANARY}",
        received_at=timezone.now() - timedelta(minutes=30),
    )
    from hygie.safety.models import SafetyCase

    # The triage may have opened it already, as the message was stored.
    other_case = SafetyCase.objects.filter(source_item=other_item).first()
    if other_case is None:
        other_case = do_open_case_from_item(other_item, acting_user=charlie)
    do_link_duplicate(case, other_case, acting_user=charlie)
    return {
        "campaign": campaign,
        "slot": slot,
        "channel": channel,
        "media": media,
        "target": post.targets.get(),
        "post": post,
        "item": item,
        "contact": contact,
        "case": case,
        "membership": membership,
        "content_template": content_template,
        "org_product": org_product,
        "workflow": workflow,
        "approval_request": approval_request,
        "conversation": item.conversation,
        "author": item.author,
        "saved_reply": saved_reply,
        "moderation_rule": moderation_rule,
        "queue_entry": queue_entry,
        "evidence": queue_entry.evidence,
        "ack_template": ack_template,
    }


def login(client: Client, user: User, *, second_factor: bool = False) -> Client:
    client.force_login(user)
    if second_factor:
        session = client.session
        session[SESSION_VERIFIED_KEY] = True
        session.save()
    return client


@pytest.fixture
def alice_client(client: Client, alice: User, org_a: Organization) -> Client:
    return login(client, alice)


@pytest.fixture
def post_a(org_a: Organization, alice: User, channel_a: Channel) -> Post:
    return do_create_post(
        org_a, text="Conseil : buvez de l'eau.", channels=[channel_a], acting_user=alice
    )


@pytest.fixture
def item_a(channel_a: Channel) -> InboxItem:
    item, _ = do_ingest_item(
        channel_a,
        kind="comment",
        external_id="a-1",
        author_name="Nadia",
        text="Vous faites les tests angine ?",
        received_at=timezone.now() - timedelta(hours=2),
    )
    return item
