"""Writes to the organisation's own content templates. Each is atomic and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.library.awareness import entry_by_id
from hygie.library.models import ContentTemplate

FIELDS = ("title", "text", "tags", "awareness_id")


def _summary(template: ContentTemplate) -> dict[str, Any]:
    return {f: getattr(template, f) for f in FIELDS}


def _clean(data: dict[str, Any]) -> dict[str, str]:
    values = {f: str(data.get(f) or "").strip() for f in FIELDS}
    if not values["title"] or not values["text"]:
        raise ActionError(_("A template needs a title and a text."))
    if values["awareness_id"] and entry_by_id(values["awareness_id"]) is None:
        raise ActionError(_("Unknown awareness date."))
    tags: list[str] = []
    for tag in values["tags"].split(","):
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    values["tags"] = ", ".join(tags)
    return values


@transaction.atomic
def do_create_template(
    org: Organization, *, data: dict[str, Any], acting_user: User
) -> ContentTemplate:
    template = ContentTemplate.objects.create(organization=org, **_clean(data))
    record_event(
        "content_template.created",
        actor=acting_user,
        organization=org,
        target=template,
        after=_summary(template),
    )
    return template


@transaction.atomic
def do_update_template(
    template: ContentTemplate, *, data: dict[str, Any], acting_user: User
) -> ContentTemplate:
    before = _summary(template)
    for field, value in _clean(data).items():
        setattr(template, field, value)
    template.save()
    record_event(
        "content_template.updated",
        actor=acting_user,
        organization=template.organization,
        target=template,
        before=before,
        after=_summary(template),
    )
    return template


@transaction.atomic
def do_delete_template(template: ContentTemplate, *, acting_user: User) -> None:
    record_event(
        "content_template.deleted",
        actor=acting_user,
        organization=template.organization,
        target=template,
        before=_summary(template),
    )
    template.delete()
