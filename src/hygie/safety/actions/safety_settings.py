"""The organisation's safety settings: deadline, escalation, back-up officer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Membership, Organization, User
from hygie.accounts.roles import Perm
from hygie.audit.log import record_event
from hygie.safety.models import SafetySettings

# Default forwarding deadline: one business day after day zero (regulation PV-04).
FORWARD_WITHIN_BUSINESS_DAYS = 1
ESCALATE_HOURS_BEFORE_DUE = 4


# --- Settings --------------------------------------------------------------------------------


def settings_for(org: Organization) -> SafetySettings:
    """The organisation's settings, or the defaults (not saved) until someone changes them."""
    stored = (
        SafetySettings.objects.filter(organization=org).select_related("backup_officer").first()
    )
    if stored is not None:
        return stored
    return SafetySettings(
        organization=org,
        forward_within_business_days=FORWARD_WITHIN_BUSINESS_DAYS,
        escalate_hours_before_due=ESCALATE_HOURS_BEFORE_DUE,
    )


def safety_members(org: Organization) -> list[Membership]:
    """Active members who may read cases (the officers, the responsible pharmacist)."""
    members = (
        Membership.objects.filter(organization=org, is_active=True, user__is_active=True)
        .select_related("user")
        .prefetch_related("roles")
        .order_by("user__full_name", "user__email")
    )
    return [m for m in members if m.has_perm(Perm.SAFETY_VIEW)]


@transaction.atomic
def do_save_safety_settings(
    org: Organization, *, data: Mapping[str, Any], acting_user: User
) -> SafetySettings:
    stored = SafetySettings.objects.select_for_update().filter(organization=org).first()
    current = stored or settings_for(org)
    # A key left out keeps its value.
    days = int(data.get("forward_within_business_days", current.forward_within_business_days))
    hours = int(data.get("escalate_hours_before_due", current.escalate_hours_before_due))
    backup = data.get("backup_officer", current.backup_officer)
    if not 1 <= days <= 15:
        raise ActionError(_("The deadline is between 1 and 15 business days."))
    if not 0 <= hours <= 72:
        raise ActionError(_("Escalate at most 72 hours before the deadline."))
    if backup is not None and backup.pk not in {m.user_id for m in safety_members(org)}:
        raise ActionError(_("The back-up officer must be a member who can read safety cases."))
    before = _settings_state(current)
    current.forward_within_business_days = days
    current.escalate_hours_before_due = hours
    current.backup_officer = backup
    current.forward_to = str(data.get("forward_to", current.forward_to))[:255].strip()
    current.region = str(data.get("region", current.region))[:100].strip()
    current.save()
    record_event(
        "safety_settings.changed",
        actor=acting_user,
        organization=org,
        target=current,
        before=before if stored is not None else None,
        after=_settings_state(current),
    )
    return current


def _settings_state(s: SafetySettings) -> dict[str, Any]:
    return {
        "forward_within_business_days": s.forward_within_business_days,
        "escalate_hours_before_due": s.escalate_hours_before_due,
        "backup_officer": s.backup_officer.email if s.backup_officer else None,
        "forward_to": s.forward_to,
        "region": s.region,
    }
