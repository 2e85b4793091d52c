"""Opening and following safety cases. Each write is atomic and audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.inbox.models import InboxItem
from hygie.lib.business_days import add_business_days
from hygie.safety.models import CaseStatus, SafetyCase

# Default forwarding deadline: one business day after day zero.
FORWARD_WITHIN_BUSINESS_DAYS = 1


def snapshot_item(item: InboxItem) -> dict[str, object]:
    return {
        "network": item.channel.network,
        "channel": str(item.channel),
        "kind": item.kind,
        "external_id": item.external_id,
        "author_name": item.author_name,
        "author_handle": item.author_handle,
        "text": item.text,
        "permalink": item.permalink,
        "received_at": item.received_at.isoformat(),
    }


@transaction.atomic
def do_open_case_from_item(item: InboxItem, *, acting_user: User, note: str = "") -> SafetyCase:
    # Lock first, then look: two clicks at once must not open two cases for one event.
    org = Organization.objects.select_for_update().get(pk=item.organization_id)
    existing = SafetyCase.objects.filter(source_item=item).first()
    if existing is not None:
        raise ActionError(
            _("A safety case is already open for this message: %(ref)s")
            % {"ref": existing.reference}
        )
    year = timezone.localdate().year
    number = SafetyCase.objects.filter(organization=org, created_at__year=year).count() + 1
    case = SafetyCase.objects.create(
        organization=org,
        reference=f"PV-{org.pk}-{year}-{number:04d}",
        source_item=item,
        source_snapshot=snapshot_item(item),
        day_zero=item.received_at,
        due_at=add_business_days(item.received_at, FORWARD_WITHIN_BUSINESS_DAYS),
        opened_by=acting_user,
        note=note,
    )
    record_event(
        "safety_case.opened",
        actor=acting_user,
        organization=org,
        target=case,
        after={
            "reference": case.reference,
            "source_item": item.pk,
            "due_at": case.due_at.isoformat(),
        },
    )
    return case


@transaction.atomic
def do_set_case_status(case: SafetyCase, *, status: str, acting_user: User) -> SafetyCase:
    new = CaseStatus(status)
    case = SafetyCase.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.OPEN:
        raise ActionError(_("This case is no longer open."))
    before = {"status": case.status}
    case.status = new
    if new == CaseStatus.FORWARDED:
        case.forwarded_at = timezone.now()
    case.save(update_fields=["status", "forwarded_at", "updated_at"])
    record_event(
        f"safety_case.{new.value}",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"status": new.value},
    )
    return case
