"""The inbox settings (response times, opening hours, WhatsApp template): reading, saving."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, OrganizationKind, User
from hygie.audit.log import record_event
from hygie.inbox import sla
from hygie.inbox.models import InboxSettings

SETTINGS_FIELDS = (
    "first_response_hours",
    "resolution_hours",
    "opens_at",
    "closes_at",
    "open_saturday",
    "whatsapp_template",
    "whatsapp_template_language",
    "whatsapp_template_text",
)


def settings_for(org: Organization) -> InboxSettings:
    """The organisation's settings, or the defaults (not saved) until someone changes them."""
    stored = InboxSettings.objects.filter(organization=org).first()
    if stored is not None:
        return stored
    return InboxSettings(organization=org, open_saturday=org.kind == OrganizationKind.PHARMACY)


def policy_for(org: Organization) -> sla.Policy:
    return settings_for(org).policy(org.timezone)


@transaction.atomic
def do_save_inbox_settings(
    org: Organization, *, data: dict[str, Any], acting_user: User
) -> InboxSettings:
    current = settings_for(org)
    before = {f: getattr(current, f) for f in SETTINGS_FIELDS} if current.pk else None
    values = {f: data[f] for f in SETTINGS_FIELDS if f in data}
    if not 1 <= int(values.get("first_response_hours", current.first_response_hours)) <= 720:
        raise ActionError(_("The first response time must be between 1 and 720 hours."))
    if not 1 <= int(values.get("resolution_hours", current.resolution_hours)) <= 8760:
        raise ActionError(_("The resolution time must be between 1 and 8760 hours."))
    if values.get("closes_at", current.closes_at) <= values.get("opens_at", current.opens_at):
        raise ActionError(_("Closing time must be after opening time."))
    if "whatsapp_template" in values:
        values["whatsapp_template"] = str(values["whatsapp_template"] or "").strip()
    language = str(values.get("whatsapp_template_language", current.whatsapp_template_language))
    values["whatsapp_template_language"] = language = language.strip() or "fr"
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", language):
        raise ActionError(_("The template language is a code such as fr or fr_FR."))
    stored, _created = InboxSettings.objects.update_or_create(
        organization=org,
        defaults={f: values.get(f, getattr(current, f)) for f in SETTINGS_FIELDS},
    )
    record_event(
        "inbox_settings.updated",
        actor=acting_user,
        organization=org,
        target=stored,
        before=before,
        after={f: getattr(stored, f) for f in SETTINGS_FIELDS},
    )
    return stored
