"""Recording what left Hygie: exports of cases and the pharmacy's declaration."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.safety.actions._common import _locked
from hygie.safety.models import SafetyCase

# --- Exports and declaration -----------------------------------------------------------------


@transaction.atomic
def do_record_export(
    org: Organization,
    cases: Iterable[SafetyCase],
    *,
    fmt: str,
    acting_user: User,
    listing: bool = False,
) -> None:
    """Who took which cases out of Hygie, in which format: this is health data. One event on
    the case for one case; one event naming every case for a list (``listing``)."""
    targets = list(cases)
    references = [c.reference for c in targets]
    if len(targets) == 1 and not listing:
        record_event(
            "safety_case.exported",
            actor=acting_user,
            organization=org,
            target=targets[0],
            after={"format": fmt, "cases": references},
        )
    else:
        record_event(
            "safety_cases.exported",
            actor=acting_user,
            organization=org,
            after={"format": fmt, "cases": references, "count": len(references)},
        )


@transaction.atomic
def do_record_declaration(case: SafetyCase, *, reference: str, acting_user: User) -> SafetyCase:
    """The pharmacist declared the case on the national portal (regional centre)."""
    reference = reference.strip()[:100]
    if not reference:
        raise ActionError(_("Paste the reference the portal gave."))
    case = _locked(case)
    if not case.organization.is_pharmacy:
        raise ActionError(_("Only a pharmacy declares to the regional centre from Hygie."))
    before = {"declared_at": case.declared_at, "reference": case.declaration_reference}
    case.declared_at = timezone.now()
    case.declared_by = acting_user
    case.declaration_reference = reference
    case.save(update_fields=["declared_at", "declared_by", "declaration_reference", "updated_at"])
    record_event(
        "safety_case.declared",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"reference": reference},
    )
    return case
