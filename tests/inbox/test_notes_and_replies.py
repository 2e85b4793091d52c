"""Internal notes stay between members; saved replies fill in their variables or refuse."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from tests.inbox.conftest import receive

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel
from hygie.inbox import replies
from hygie.inbox.actions import (
    do_add_note,
    do_create_saved_reply,
    do_record_outbound,
    render_saved_reply,
)
from hygie.inbox.models import Conversation, InboxItem, SavedReply

pytestmark = pytest.mark.django_db


def reply_box(page: str) -> str:
    match = re.search(r'<textarea id="id_reply"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no reply box"
    return match.group(1)


def test_notes_are_shown_as_internal_and_never_reach_the_reply_or_the_network(
    alice: User, alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    item = receive(channel_a, "Ma commande est prête ?", kind="direct_message", author="Léa Martin")
    reply = do_create_saved_reply(
        org_a,
        data={"title": "Prête", "body": "Bonjour {first_name}, c'est prêt."},
        acting_user=alice,
    )
    response = alice_client.post(
        f"/o/alpha/inbox/c/{item.conversation_id}/notes/", {"text": "Client difficile, SECRET-NOTE"}
    )
    assert response.status_code == 302
    page = alice_client.get(
        f"/o/alpha/inbox/c/{item.conversation_id}/?saved_reply={reply.pk}",
        HTTP_ACCEPT_LANGUAGE="en",  # the page in English: the assertion reads "never sent"
    ).content.decode()
    note = re.search(
        r'<li class="card notice" id="note-\d+" data-internal-note>(.*?)</li>', page, re.S
    )
    assert note and "SECRET-NOTE" in note.group(1) and "never sent" in note.group(1)
    assert "SECRET-NOTE" not in reply_box(page)
    assert reply_box(page) == "Bonjour Léa, c&#x27;est prêt."
    conversation = Conversation.objects.get(pk=item.conversation_id)
    sent = do_record_outbound(
        conversation,
        text=replies.render(reply.body, {"first_name": "Léa"}),
        sent_by=alice,
        external_id="out-1",
        sent_at=timezone.now(),
    )
    assert "SECRET-NOTE" not in sent.text
    assert not InboxItem.objects.filter(text__contains="SECRET-NOTE").exists()
    assert AuditEvent.objects.filter(organization=org_a, verb="conversation.note_added").exists()


def test_an_empty_note_is_refused(alice: User, channel_a: Channel) -> None:
    item = receive(channel_a)
    with pytest.raises(ActionError):
        do_add_note(item.conversation, text="  ", acting_user=alice)


def test_saved_reply_variables_are_filled_for_the_conversation(
    bob: User, org_a: Organization, channel_a: Channel
) -> None:
    item = receive(channel_a, kind="review", author="Léa Martin", rating=5)
    reply = do_create_saved_reply(
        org_a,
        data={
            "title": "Merci",
            "body": "Merci {first_name} ({author_name}) ! {{L'équipe}} {organization}, "
            "{member_name}",
        },
        acting_user=bob,
    )
    text = render_saved_reply(reply, item.conversation, member=bob)
    assert text == "Merci Léa (Léa Martin) ! {L'équipe} Pharmacie Alpha, Bob Manager"


def test_an_unknown_variable_is_refused_with_a_clear_message(
    alice: User, alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    with pytest.raises(ActionError, match=r"Unknown variable: \{nmae\}.*\{author_name\}"):
        do_create_saved_reply(
            org_a, data={"title": "Typo", "body": "Bonjour {nmae}"}, acting_user=alice
        )
    page = alice_client.post(
        "/o/alpha/inbox/replies/", {"title": "Typo", "body": "Bonjour {nmae}"}
    ).content.decode()
    assert "{nmae}" in page and not SavedReply.objects.filter(organization=org_a).exists()
    with pytest.raises(replies.UnknownVariableError):
        replies.render("Bonjour {prenom}", {"first_name": "Léa"})
    # A body stored some other way is still refused when rendered.
    item = receive(channel_a)
    reply = do_create_saved_reply(org_a, data={"title": "Ok", "body": "Bonjour"}, acting_user=alice)
    SavedReply.objects.filter(pk=reply.pk).update(body="Bonjour {prenom}")
    response = alice_client.get(
        f"/o/alpha/inbox/c/{item.conversation_id}/saved-reply/?reply={reply.pk}"
    )
    assert response.status_code == 422 and "{prenom}" in response.content.decode()


def test_the_reply_box_gets_a_saved_reply_as_plain_text(
    alice: User, alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    item = receive(channel_a, author="Paul Durand")
    reply = do_create_saved_reply(
        org_a, data={"title": "Salut", "body": "Bonjour {first_name} <3"}, acting_user=alice
    )
    response = alice_client.get(
        f"/o/alpha/inbox/c/{item.conversation_id}/saved-reply/?reply={reply.pk}"
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Bonjour Paul <3"


def test_saved_replies_are_edited_and_deleted_with_an_audit_trail(
    alice_client: Client, org_a: Organization
) -> None:
    alice_client.post("/o/alpha/inbox/replies/", {"title": "Horaires", "body": "9h-19h"})
    reply = SavedReply.objects.get(organization=org_a)
    alice_client.post(
        f"/o/alpha/inbox/replies/{reply.pk}/", {"title": "Horaires", "body": "9h-20h"}
    )
    reply.refresh_from_db()
    assert reply.body == "9h-20h"
    alice_client.post(f"/o/alpha/inbox/replies/{reply.pk}/delete/")
    assert not SavedReply.objects.filter(organization=org_a).exists()
    verbs = set(
        AuditEvent.objects.filter(organization=org_a, verb__startswith="saved_reply.").values_list(
            "verb", flat=True
        )
    )
    assert verbs == {"saved_reply.created", "saved_reply.updated", "saved_reply.deleted"}


def test_recording_our_reply_stops_the_first_response_clock_and_waits(
    bob: User, channel_a: Channel
) -> None:
    item = receive(channel_a, kind="direct_message", ago=timedelta(hours=1))
    sent_at = timezone.now()
    sent = do_record_outbound(
        item.conversation, text="Bonjour !", sent_by=bob, external_id="out-1", sent_at=sent_at
    )
    again = do_record_outbound(
        item.conversation, text="Bonjour !", sent_by=bob, external_id="out-1", sent_at=sent_at
    )
    conversation = Conversation.objects.get(pk=item.conversation_id)
    assert sent.pk == again.pk and sent.direction == "outbound" and sent.sent_by == bob
    assert conversation.first_response_at == sent_at and conversation.status == "waiting"
    assert conversation.message_count == 2
    assert abs(conversation.first_response_delay - 1) < 0.01  # type: ignore[operator]
