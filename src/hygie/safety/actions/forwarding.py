"""Linking duplicates; forwarding, closing and reopening a case."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import User
from hygie.audit.log import record_event
from hygie.safety.actions._common import MAX_TEXT, _choice, _locked, _require_active
from hygie.safety.actions.assessment import missing_criteria
from hygie.safety.models import CaseStatus, CloseReason, Criterion, DuplicateLink, SafetyCase

# --- Duplicates ------------------------------------------------------------------------------


def _pair(case: SafetyCase, other: SafetyCase) -> tuple[SafetyCase, SafetyCase]:
    if case.organization_id != other.organization_id or case.pk == other.pk:
        raise ActionError(_("Choose another case of this organisation."))
    return (case, other) if case.pk < other.pk else (other, case)


@transaction.atomic
def do_link_duplicate(
    case: SafetyCase, other: SafetyCase, *, acting_user: User, note: str = ""
) -> DuplicateLink:
    low, high = _pair(case, other)
    _locked(low), _locked(high)
    if DuplicateLink.objects.filter(case=low, other=high).exists():
        raise ActionError(
            _("%(a)s and %(b)s are already linked.") % {"a": low.reference, "b": high.reference}
        )
    link = DuplicateLink.objects.create(
        organization_id=case.organization_id,
        case=low,
        other=high,
        linked_by=acting_user,
        note=note.strip()[:500],
    )
    for this, that in ((case, other), (other, case)):
        record_event(
            "safety_case.duplicate_linked",
            actor=acting_user,
            organization=case.organization,
            target=this,
            after={"other": that.reference, "note": link.note},
        )
    return link


@transaction.atomic
def do_unlink_duplicate(case: SafetyCase, other: SafetyCase, *, acting_user: User) -> None:
    low, high = _pair(case, other)
    deleted, _rows = DuplicateLink.objects.filter(case=low, other=high).delete()
    if not deleted:
        raise ActionError(_("These cases are not linked."))
    for this, that in ((case, other), (other, case)):
        record_event(
            "safety_case.duplicate_unlinked",
            actor=acting_user,
            organization=case.organization,
            target=this,
            before={"other": that.reference},
        )


# --- Forwarding, closing, reopening ----------------------------------------------------------


@transaction.atomic
def do_forward_case(
    case: SafetyCase, *, forwarded_to: str, reference: str = "", acting_user: User
) -> SafetyCase:
    """The case reached the safety department (or database). Refused until a person has
    confirmed the four minimum criteria of a valid case."""
    case = _locked(case)
    _require_active(case)
    missing = missing_criteria(case)
    if missing:
        raise ActionError(
            _("Confirm the four minimum criteria before forwarding. Not confirmed: %(missing)s.")
            % {"missing": ", ".join(str(Criterion(c).label).lower() for c in missing)}
        )
    forwarded_to = forwarded_to.strip()[:255]
    if not forwarded_to:
        raise ActionError(_("Say where the case was forwarded."))
    before = {"status": case.status}
    now = timezone.now()
    case.status = CaseStatus.FORWARDED
    case.forwarded_at = now
    case.forwarded_by = acting_user
    case.forwarded_to = forwarded_to
    case.forwarded_reference = reference.strip()[:100]
    if case.assigned_to_id is None:
        case.assigned_to = acting_user
    case.save(
        update_fields=[
            "status",
            "forwarded_at",
            "forwarded_by",
            "forwarded_to",
            "forwarded_reference",
            "assigned_to",
            "updated_at",
        ]
    )
    record_event(
        "safety_case.forwarded",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={
            "status": case.status,
            "forwarded_to": case.forwarded_to,
            "reference": case.forwarded_reference,
            "serious": case.serious,
            "due_at": case.due_at.isoformat(),
            "on_time": now <= case.due_at,
        },
    )
    return case


@transaction.atomic
def do_close_case(
    case: SafetyCase, *, reason: str, note: str = "", acting_user: User
) -> SafetyCase:
    """Not a case, a duplicate (linked first), or not valid after follow-up: with a reason."""
    reason = _choice(reason, CloseReason.values, blank=False)
    note = note.strip()[:MAX_TEXT]
    case = _locked(case)
    _require_active(case)
    if reason in (CloseReason.OTHER, CloseReason.NOT_VALID) and not note:
        raise ActionError(_("Explain why the case is closed."))
    if (
        reason == CloseReason.DUPLICATE
        and not DuplicateLink.objects.filter(Q(case=case) | Q(other=case)).exists()
    ):
        raise ActionError(_("Link the case this one duplicates first."))
    before = {"status": case.status}
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    case.closed_by = acting_user
    case.close_reason = reason
    case.close_note = note
    case.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "close_reason",
            "close_note",
            "updated_at",
        ]
    )
    record_event(
        "safety_case.closed",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"status": case.status, "reason": reason, "note": note},
    )
    return case


@transaction.atomic
def do_reopen_case(case: SafetyCase, *, reason: str, acting_user: User) -> SafetyCase:
    """New information on a forwarded or closed case: back to assessment."""
    reason = reason.strip()[:MAX_TEXT]
    if not reason:
        raise ActionError(_("Say why the case is reopened."))
    case = _locked(case)
    if case.is_active:
        raise ActionError(_("This case is not forwarded or closed."))
    before = {"status": case.status, "close_reason": case.close_reason}
    case.status = CaseStatus.ASSESSING
    case.closed_at = None
    case.closed_by = None
    case.close_reason = ""
    case.close_note = ""
    case.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "close_reason",
            "close_note",
            "updated_at",
        ]
    )
    record_event(
        "safety_case.reopened",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"status": case.status, "reason": reason},
    )
    return case
