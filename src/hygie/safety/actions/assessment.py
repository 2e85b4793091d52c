"""Working on a case: taking it, the minimum criteria, seriousness and details."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import User
from hygie.audit.log import record_event
from hygie.safety.actions._common import (
    MAX_PRODUCTS,
    MAX_REACTIONS,
    MAX_TEXT,
    _choice,
    _locked,
    _require_active,
    _take,
)
from hygie.safety.models import (
    AgeGroup,
    CaseCriterion,
    CaseStatus,
    Criterion,
    ProductRole,
    ReactionOutcome,
    ReporterQualification,
    SafetyCase,
    Seriousness,
    Sex,
    SpecialSituation,
)

# --- Working on a case -----------------------------------------------------------------------


@transaction.atomic
def do_take_case(case: SafetyCase, *, acting_user: User) -> SafetyCase:
    """The officer takes the case and starts its assessment."""
    case = _locked(case)
    _require_active(case)
    before = {"status": case.status, "assigned_to": _email(case.assigned_to)}
    case.status = CaseStatus.ASSESSING
    case.assigned_to = acting_user
    case.save(update_fields=["status", "assigned_to", "updated_at"])
    record_event(
        "safety_case.taken",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"status": case.status, "assigned_to": acting_user.email},
    )
    return case


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None


@transaction.atomic
def do_confirm_criterion(
    case: SafetyCase,
    criterion: str,
    *,
    present: bool | None,
    acting_user: User,
    note: str = "",
) -> CaseCriterion:
    """A person says whether a minimum criterion is met (None: back to "not reviewed")."""
    if criterion not in Criterion.values:
        raise ActionError(_("Unknown criterion."))
    case = _locked(case)
    _require_active(case)
    row = case.criteria.get(criterion=criterion)
    before = {"confirmed": row.confirmed, "by": _email(row.confirmed_by), "note": row.note}
    row.confirmed = present
    row.confirmed_by = acting_user if present is not None else None
    row.confirmed_at = timezone.now() if present is not None else None
    row.note = note.strip()[:500]
    row.save()
    taken = _take(case, acting_user)
    if taken:
        case.save(update_fields=[*taken, "updated_at"])
    record_event(
        "safety_case.criterion_confirmed" if present is not None else "safety_case.criterion_reset",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={
            "criterion": criterion,
            "confirmed": present,
            "suggested": row.suggested,
            "note": row.note,
        },
    )
    return row


def missing_criteria(case: SafetyCase) -> list[str]:
    """The minimum criteria not confirmed as met, in their usual order."""
    met = {c.criterion for c in CaseCriterion.objects.filter(case=case) if c.confirmed is True}
    return [c for c in Criterion.values if c not in met]


@transaction.atomic
def do_set_seriousness(
    case: SafetyCase, *, criteria: Collection[str], acting_user: User
) -> SafetyCase:
    unknown = set(criteria) - set(Seriousness.values)
    if unknown:
        raise ActionError(_("Unknown seriousness criterion."))
    case = _locked(case)
    _require_active(case)
    before = {"seriousness": [s.value for s in case.seriousness], "serious": case.serious}
    for s in Seriousness:
        setattr(case, f"serious_{s.value}", s.value in criteria)
    case.seriousness_assessed_at = timezone.now()
    case.seriousness_assessed_by = acting_user
    taken = _take(case, acting_user)
    case.save(
        update_fields=[
            *[f"serious_{s.value}" for s in Seriousness],
            "seriousness_assessed_at",
            "seriousness_assessed_by",
            *taken,
            "updated_at",
        ]
    )
    record_event(
        "safety_case.seriousness_assessed",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"seriousness": [s.value for s in case.seriousness], "serious": case.serious},
    )
    return case


DETAIL_FIELDS = (
    "reporter_qualification",
    "reporter_country",
    "patient_initials",
    "patient_age",
    "patient_age_group",
    "patient_sex",
    "patient_pregnant",
    "products",
    "reactions",
    "special_situations",
    "quality_complaint",
    "narrative",
)


def _clean_details(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "reporter_qualification" in data:
        clean["reporter_qualification"] = (
            _choice(data["reporter_qualification"], ReporterQualification.values)
            or ReporterQualification.CONSUMER.value
        )
    if "reporter_country" in data:
        country = str(data["reporter_country"] or "").strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise ActionError(_("The reporter's country is a two-letter code (FR, BE…)."))
        clean["reporter_country"] = country
    if "patient_initials" in data:
        clean["patient_initials"] = str(data["patient_initials"] or "").strip()[:10]
    if "patient_age" in data:
        age = data["patient_age"]
        if age in (None, ""):
            clean["patient_age"] = None
        else:
            age = int(age)
            if not 0 <= age <= 130:
                raise ActionError(_("The patient's age is between 0 and 130 years."))
            clean["patient_age"] = age
    if "patient_age_group" in data:
        clean["patient_age_group"] = _choice(data["patient_age_group"], AgeGroup.values)
    if "patient_sex" in data:
        clean["patient_sex"] = _choice(data["patient_sex"], Sex.values)
    if "patient_pregnant" in data:
        pregnant = data["patient_pregnant"]
        clean["patient_pregnant"] = None if pregnant is None else bool(pregnant)
    if "products" in data:
        products = []
        for p in list(data["products"] or [])[: MAX_PRODUCTS + 1]:
            name = str(p.get("name", "")).strip()[:200]
            if not name:
                continue
            products.append(
                {
                    "name": name,
                    "role": _choice(p.get("role"), ProductRole.values) or ProductRole.SUSPECT.value,
                    "batch": str(p.get("batch", "") or "").strip()[:100],
                }
            )
        if len(products) > MAX_PRODUCTS:
            raise ActionError(_("At most %(n)d products.") % {"n": MAX_PRODUCTS})
        clean["products"] = products
    if "reactions" in data:
        reactions = []
        for r in list(data["reactions"] or [])[: MAX_REACTIONS + 1]:
            text = str(r.get("text", "")).strip()[:1000]
            if text:
                reactions.append(
                    {"text": text, "outcome": _choice(r.get("outcome"), ReactionOutcome.values)}
                )
        if len(reactions) > MAX_REACTIONS:
            raise ActionError(_("At most %(n)d reactions.") % {"n": MAX_REACTIONS})
        clean["reactions"] = reactions
    if "special_situations" in data:
        situations = [str(s) for s in data["special_situations"] or []]
        for s in situations:
            _choice(s, SpecialSituation.values, blank=False)
        clean["special_situations"] = [s for s in SpecialSituation.values if s in situations]
    if "quality_complaint" in data:
        clean["quality_complaint"] = bool(data["quality_complaint"])
    if "narrative" in data:
        clean["narrative"] = str(data["narrative"] or "").strip()[:MAX_TEXT]
    return clean


@transaction.atomic
def do_update_case_details(
    case: SafetyCase, *, data: Mapping[str, Any], acting_user: User
) -> SafetyCase:
    """Reporter, patient, products, reactions, special situations, narrative."""
    clean = _clean_details(data)
    case = _locked(case)
    _require_active(case)
    changed = [name for name, value in clean.items() if getattr(case, name) != value]
    before = {name: getattr(case, name) for name in changed}
    for name in changed:
        setattr(case, name, clean[name])
    taken = _take(case, acting_user)
    if not changed and not taken:
        return case
    case.save(update_fields=[*changed, *taken, "updated_at"])
    record_event(
        "safety_case.details_changed",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={name: getattr(case, name) for name in changed},
    )
    return case
