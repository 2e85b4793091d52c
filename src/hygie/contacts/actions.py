"""Writes to the contact register. Each is atomic and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.contacts.models import Contact

FIELDS = ("name", "kind", "affiliation", "email", "handles", "notes")


def _summary(contact: Contact) -> dict[str, Any]:
    return {f: getattr(contact, f) for f in FIELDS}


@transaction.atomic
def do_create_contact(org: Organization, *, data: dict[str, Any], acting_user: User) -> Contact:
    contact = Contact.objects.create(organization=org, **{f: data.get(f, "") for f in FIELDS})
    record_event(
        "contact.created",
        actor=acting_user,
        organization=org,
        target=contact,
        after=_summary(contact),
    )
    return contact


@transaction.atomic
def do_update_contact(contact: Contact, *, data: dict[str, Any], acting_user: User) -> Contact:
    before = _summary(contact)
    for field in FIELDS:
        setattr(contact, field, data.get(field, ""))
    contact.save()
    record_event(
        "contact.updated",
        actor=acting_user,
        organization=contact.organization,
        target=contact,
        before=before,
        after=_summary(contact),
    )
    return contact
