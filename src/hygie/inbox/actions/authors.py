"""Authors and people: merging accounts into one person, unmerging, linking a contact."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import User
from hygie.audit.log import record_event
from hygie.contacts.models import Contact
from hygie.inbox.models import Author, Person


@transaction.atomic
def do_merge_authors(author: Author, other: Author, *, acting_user: User) -> Person:
    """Say that ``author`` and ``other`` are the same person (their people merge, too)."""
    if author.organization_id != other.organization_id:
        raise ActionError(_("These authors belong to different organisations."))
    if author.pk == other.pk:
        raise ActionError(_("An author cannot be merged with itself."))
    # Decide on the stored rows (locked), not on what the caller read earlier.
    locked = Author.objects.select_for_update(of=("self",)).select_related("person")
    author, other = locked.get(pk=author.pk), locked.get(pk=other.pk)
    if author.person_id is not None and author.person_id == other.person_id:
        raise ActionError(_("These authors are already the same person."))
    person = author.person or other.person
    absorbed: Person | None = None
    if person is None:
        person = Person.objects.create(
            organization_id=author.organization_id, name=author.display_name
        )
    elif author.person is not None and other.person is not None:
        absorbed = other.person
        Author.objects.filter(person=absorbed).update(person=person)
        if absorbed.notes:
            person.notes = "\n\n".join(n for n in (person.notes, absorbed.notes) if n)
            person.save(update_fields=["notes", "updated_at"])
    Author.objects.filter(pk__in=[author.pk, other.pk]).update(person=person)
    author.person = other.person = person
    members = sorted(Author.objects.filter(person=person).values_list("pk", flat=True))
    record_event(
        "person.merged",
        actor=acting_user,
        organization=author.organization,
        target=person,
        after={
            "authors": members,
            "merged": [author.pk, other.pk],
            "absorbed_person": absorbed.pk if absorbed is not None else None,
        },
    )
    if absorbed is not None:
        absorbed.delete()
    return person


@transaction.atomic
def do_unmerge_author(author: Author, *, acting_user: User) -> Author:
    """This author is not that person after all; a person left without authors goes away."""
    author = (
        Author.objects.select_for_update(of=("self",)).select_related("person").get(pk=author.pk)
    )
    person = author.person
    if person is None:
        raise ActionError(_("This author is not merged with anyone."))
    author.person = None
    author.save(update_fields=["person", "updated_at"])
    remaining = list(Author.objects.filter(person=person).values_list("pk", flat=True))
    record_event(
        "person.unmerged",
        actor=acting_user,
        organization=author.organization,
        target=person,
        before={"author": author.pk},
        after={"authors": remaining, "person_removed": not remaining},
    )
    if not remaining:
        person.delete()
    return author


@transaction.atomic
def do_link_author_contact(author: Author, *, contact: Contact | None, acting_user: User) -> Author:
    """Link the author to a contact of the register (or unlink it)."""
    if contact is not None and contact.organization_id != author.organization_id:
        raise ActionError(_("This contact belongs to another organisation."))
    before = {"contact": author.contact_id}
    author.contact = contact
    author.save(update_fields=["contact", "updated_at"])
    record_event(
        "author.contact_linked",
        actor=acting_user,
        organization=author.organization,
        target=author,
        before=before,
        after={"contact": contact.pk if contact is not None else None},
    )
    return author
