"""Messages are grouped into conversations: comments under our post, DMs per author, reviews."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from tests.inbox.conftest import receive

from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel
from hygie.inbox.actions import do_ingest_item, do_set_conversation_status
from hygie.inbox.models import Conversation, ConversationStatus, InboxItem
from hygie.publishing.models import Post

pytestmark = pytest.mark.django_db


def test_comments_on_our_post_form_one_thread_under_that_post(
    alice_client: Client, channel_a: Channel, post_a: Post
) -> None:
    target = post_a.targets.get()
    target.external_id, target.external_url = "fbpost-1", "https://facebook.example/p/1"
    target.save()
    first = receive(channel_a, "Merci pour le conseil", parent_external_id="fbpost-1")
    second = receive(
        channel_a, "Et pour les enfants ?", author="Paul", parent_external_id="fbpost-1"
    )
    answer = receive(
        channel_a, "Je me demandais aussi", author="Lina", parent_external_id=second.external_id
    )
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert second.conversation_id == answer.conversation_id == conversation.pk
    assert conversation.kind == "comment_thread" and conversation.thread_external_id == "fbpost-1"
    assert conversation.parent_target == target
    assert conversation.title.startswith("Conseil : buvez")
    assert conversation.message_count == 3
    assert conversation.last_author_name == "Lina"
    page = alice_client.get(f"/o/alpha/inbox/c/{conversation.pk}/").content.decode()
    assert "Conseil : buvez" in page and "https://facebook.example/p/1" in page
    assert (
        page.index("Merci pour le conseil")
        < page.index("Et pour les enfants")
        < page.index("Je me demandais aussi")
    )


def test_a_comment_without_a_known_post_starts_a_thread_of_its_own(channel_a: Channel) -> None:
    alone = receive(channel_a, "Premier !")
    other = receive(channel_a, "Deuxième")
    assert alone.conversation_id != other.conversation_id
    assert alone.conversation.parent_target is None


def test_direct_messages_are_one_conversation_per_author(channel_a: Channel) -> None:
    lea_1 = receive(
        channel_a, "Bonjour", kind="direct_message", author="Léa", author_external_id="u-1"
    )
    lea_2 = receive(
        channel_a, "Vous êtes là ?", kind="direct_message", author="Léa", author_external_id="u-1"
    )
    marc = receive(
        channel_a, "Horaires ?", kind="direct_message", author="Marc", author_external_id="u-2"
    )
    assert lea_1.conversation_id == lea_2.conversation_id != marc.conversation_id
    assert lea_1.conversation.kind == "direct" and lea_1.conversation.author == lea_1.author
    assert lea_1.author_id == lea_2.author_id != marc.author_id


def test_the_network_thread_id_wins_when_the_provider_gives_one(channel_a: Channel) -> None:
    a = receive(
        channel_a,
        kind="direct_message",
        author="Léa",
        author_external_id="u-1",
        thread_external_id="t-9",
        thread_title="Commande",
    )
    b = receive(
        channel_a,
        kind="direct_message",
        author="Marc",
        author_external_id="u-2",
        thread_external_id="t-9",
    )
    assert a.conversation_id == b.conversation_id
    assert a.conversation.title == "Commande"


def test_each_review_is_its_own_conversation(channel_a: Channel) -> None:
    one = receive(channel_a, "Très bon accueil", kind="review", rating=5)
    two = receive(channel_a, "Attente trop longue", kind="review", rating=2, author="Paul")
    assert one.conversation_id != two.conversation_id
    assert one.conversation.kind == two.conversation.kind == "review"


def test_a_new_message_reopens_a_done_conversation(
    alice: User, org_a: Organization, channel_a: Channel
) -> None:
    first = receive(
        channel_a, kind="direct_message", author_external_id="u-1", ago=timedelta(hours=3)
    )
    do_set_conversation_status(first.conversation, status="done", acting_user=alice)
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.status == "done" and conversation.resolved_at is not None
    receive(
        channel_a,
        "Encore une question",
        kind="direct_message",
        author_external_id="u-1",
        ago=timedelta(0),
    )
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN and conversation.resolved_at is None
    assert conversation.resolution_due_at is not None
    assert conversation.resolution_due_at > timezone.now()
    assert AuditEvent.objects.filter(
        organization=org_a, verb="conversation.reopened", target_id=str(conversation.pk)
    ).exists()


def test_a_late_delivery_of_an_old_message_does_not_reopen(alice: User, channel_a: Channel) -> None:
    first = receive(
        channel_a, kind="direct_message", author_external_id="u-1", ago=timedelta(hours=3)
    )
    do_set_conversation_status(first.conversation, status="done", acting_user=alice)
    receive(
        channel_a, "ancien", kind="direct_message", author_external_id="u-1", ago=timedelta(hours=2)
    )
    first.conversation.refresh_from_db()
    assert first.conversation.status == "done"
    assert first.conversation.message_count == 2


def test_an_answer_from_the_person_moves_a_waiting_conversation_back_to_open(
    alice: User, channel_a: Channel
) -> None:
    first = receive(channel_a, kind="direct_message", author_external_id="u-1")
    do_set_conversation_status(first.conversation, status="waiting", acting_user=alice)
    receive(channel_a, "Voilà", kind="direct_message", author_external_id="u-1", ago=timedelta(0))
    first.conversation.refresh_from_db()
    assert first.conversation.status == "open"


def test_receiving_the_same_message_twice_changes_nothing(
    org_a: Organization, channel_a: Channel
) -> None:
    kwargs = {
        "kind": "comment",
        "external_id": "fb-123",
        "author_name": "Léa",
        "text": "Merci !",
        "received_at": timezone.now(),
        "parent_external_id": "fbpost-1",
    }
    first, created = do_ingest_item(channel_a, **kwargs)  # type: ignore[arg-type]
    events = AuditEvent.objects.filter(organization=org_a).count()
    again, created_again = do_ingest_item(channel_a, **kwargs)  # type: ignore[arg-type]
    assert created and not created_again and first.pk == again.pk
    assert InboxItem.objects.filter(external_id="fb-123").count() == 1
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.message_count == 1
    assert AuditEvent.objects.filter(organization=org_a).count() == events


def test_an_author_is_one_record_per_account_and_keeps_its_latest_name(
    channel_a: Channel,
) -> None:
    a = receive(channel_a, author="Léa", author_external_id="u-1")
    b = receive(channel_a, author="Léa M.", author_external_id="u-1")
    assert a.author_id == b.author_id
    b.author.refresh_from_db()
    assert b.author.display_name == "Léa M."
    a.refresh_from_db()
    assert a.author_name == "Léa"  # each message keeps the name it was sent with
