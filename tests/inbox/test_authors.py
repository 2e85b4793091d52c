"""Authors are contact records per network account; a member says when two are one person."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.inbox.conftest import receive

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel
from hygie.contacts.actions import do_create_contact
from hygie.inbox.actions import do_merge_authors, do_unmerge_author
from hygie.inbox.models import Author, Person

pytestmark = pytest.mark.django_db


def test_merging_two_accounts_makes_one_person_shown_on_the_conversation(
    alice_client: Client, org_a: Organization, channel_a: Channel, bluesky_a: Channel
) -> None:
    on_facebook = receive(channel_a, author="Léa Martin", author_external_id="fb-lea")
    on_bluesky = receive(
        bluesky_a,
        author="lea.bsky.social",
        author_handle="@lea.bsky.social",
        author_external_id="did:plc:lea",
    )
    response = alice_client.post(
        f"/o/alpha/inbox/c/{on_facebook.conversation_id}/authors/{on_facebook.author_id}/merge/",
        {"other": on_bluesky.author_id},
    )
    assert response.status_code == 302
    fb, sky = (
        Author.objects.get(pk=on_facebook.author_id),
        Author.objects.get(pk=on_bluesky.author_id),
    )
    assert fb.person is not None and fb.person_id == sky.person_id
    assert fb.person.name == "Léa Martin"
    assert AuditEvent.objects.filter(organization=org_a, verb="person.merged").exists()
    page = alice_client.get(f"/o/alpha/inbox/c/{on_facebook.conversation_id}/").content.decode()
    assert "@lea.bsky.social" in page and "Bluesky" in page


def test_merging_two_people_keeps_one_with_every_account(
    alice: User, channel_a: Channel, bluesky_a: Channel
) -> None:
    a = receive(channel_a, author="A", author_external_id="a").author
    b = receive(channel_a, author="B", author_external_id="b").author
    c = receive(bluesky_a, author="C", author_external_id="c").author
    d = receive(bluesky_a, author="D", author_external_id="d").author
    assert a and b and c and d
    first = do_merge_authors(a, b, acting_user=alice)
    second = do_merge_authors(c, d, acting_user=alice)
    c.refresh_from_db()
    a.refresh_from_db()
    merged = do_merge_authors(a, c, acting_user=alice)
    assert merged.pk == first.pk
    assert not Person.objects.filter(pk=second.pk).exists()
    assert set(merged.authors.values_list("display_name", flat=True)) == {"A", "B", "C", "D"}
    with pytest.raises(ActionError):
        do_merge_authors(a, d, acting_user=alice)


def test_unmerging_detaches_the_account_and_an_empty_person_goes_away(
    alice: User, org_a: Organization, channel_a: Channel, bluesky_a: Channel
) -> None:
    a = receive(channel_a, author="A", author_external_id="a").author
    b = receive(bluesky_a, author="B", author_external_id="b").author
    assert a and b
    person = do_merge_authors(a, b, acting_user=alice)
    a.refresh_from_db()
    do_unmerge_author(a, acting_user=alice)
    assert Author.objects.get(pk=a.pk).person is None
    assert Author.objects.get(pk=b.pk).person_id == person.pk
    b.refresh_from_db()
    do_unmerge_author(b, acting_user=alice)
    assert not Person.objects.filter(pk=person.pk).exists()
    assert AuditEvent.objects.filter(organization=org_a, verb="person.unmerged").count() == 2
    with pytest.raises(ActionError):
        do_unmerge_author(Author.objects.get(pk=b.pk), acting_user=alice)


def test_an_author_cannot_be_merged_with_an_author_of_another_organisation(
    alice_client: Client, channel_a: Channel, populated_b: dict[str, object]
) -> None:
    mine = receive(channel_a, author="A", author_external_id="a")
    theirs = populated_b["author"]
    assert isinstance(theirs, Author)
    response = alice_client.post(
        f"/o/alpha/inbox/c/{mine.conversation_id}/authors/{mine.author_id}/merge/",
        {"other": theirs.pk},
    )
    assert response.status_code == 404
    assert Author.objects.get(pk=mine.author_id).person is None


def test_an_author_can_be_linked_to_a_contact_of_the_register(
    alice: User, alice_client: Client, org_a: Organization, channel_a: Channel
) -> None:
    item = receive(channel_a, author="Dr Durand", author_external_id="durand")
    contact = do_create_contact(
        org_a, data={"name": "Dr Durand (KOL)", "kind": "kol"}, acting_user=alice
    )
    alice_client.post(
        f"/o/alpha/inbox/c/{item.conversation_id}/authors/{item.author_id}/contact/",
        {"contact": contact.pk},
    )
    assert Author.objects.get(pk=item.author_id).contact == contact
    page = alice_client.get(f"/o/alpha/inbox/c/{item.conversation_id}/").content.decode()
    assert f"/o/alpha/contacts/{contact.pk}/" in page
