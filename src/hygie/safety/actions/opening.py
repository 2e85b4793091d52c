"""Opening a case: by a member from an inbox message, or by the triage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.inbox.models import Direction, InboxItem
from hygie.moderation.state import states_for
from hygie.safety import clock
from hygie.safety.actions._common import MAX_PRODUCTS
from hygie.safety.actions.safety_settings import settings_for
from hygie.safety.models import CaseCriterion, Criterion, ProductRole, SafetyCase, SpecialSituation
from hygie.safety.snapshot import build_snapshot, snapshot_hash


class TriageFindings(Protocol):
    """What ``do_open_case_from_triage`` reads of the triage's row for a message
    (``hygie.triage.models.MessageTriage``); typed loosely so safety does not import it."""

    @property
    def model_version(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def adverse_event(self) -> bool: ...
    @property
    def adverse_event_score(self) -> float: ...
    @property
    def products(self) -> Any: ...
    @property
    def special_situations(self) -> Any: ...
    @property
    def quality_complaint(self) -> bool: ...
    @property
    def minimum_criteria(self) -> Any: ...
    @property
    def evidence(self) -> Any: ...


# --- Opening ---------------------------------------------------------------------------------


def _evidence(spans: Any) -> list[dict[str, Any]]:
    """The triage's supporting words, kept only when well formed."""
    kept: list[dict[str, Any]] = []
    for span in spans if isinstance(spans, list | tuple) else []:
        if not isinstance(span, Mapping):
            continue
        start, end, text = span.get("start"), span.get("end"), span.get("text")
        if isinstance(start, int) and isinstance(end, int) and isinstance(text, str) and text:
            kept.append(
                {
                    "start": start,
                    "end": end,
                    "text": text[:300],
                    "label": str(span.get("label", "")),
                }
            )
    return kept[:20]


def _triage_summary(triage: TriageFindings) -> dict[str, Any]:
    evidence = triage.evidence if isinstance(triage.evidence, Mapping) else {}
    return {
        "model_version": str(triage.model_version),
        "lang": str(triage.lang),
        "adverse_event": bool(triage.adverse_event),
        "adverse_event_score": round(float(triage.adverse_event_score), 4),
        "products": [str(p) for p in triage.products or []][:MAX_PRODUCTS],
        "special_situations": [str(s) for s in triage.special_situations or []],
        "quality_complaint": bool(triage.quality_complaint),
        "minimum_criteria": {
            str(k): bool(v) for k, v in dict(triage.minimum_criteria or {}).items()
        },
        "evidence": {str(k): _evidence(v) for k, v in evidence.items()},
    }


def _apply_triage(case: SafetyCase, summary: dict[str, Any]) -> None:
    """The triage's findings as suggestions: the criteria rows, and a first draft of the
    products, reactions and special situations for the officer to correct."""
    case.triage = summary
    if not case.products:
        case.products = [
            {"name": name, "role": ProductRole.SUSPECT.value, "batch": ""}
            for name in dict.fromkeys(summary["products"])
        ]
    if not case.reactions:
        verbatims = [span["text"] for span in summary["evidence"].get("event", [])]
        case.reactions = [{"text": text, "outcome": ""} for text in dict.fromkeys(verbatims)]
    if not case.special_situations:
        case.special_situations = [
            s for s in summary["special_situations"] if s in SpecialSituation.values
        ]
    case.quality_complaint = case.quality_complaint or summary["quality_complaint"]
    for row in case.criteria.all():
        if row.criterion in summary["minimum_criteria"]:
            row.suggested = summary["minimum_criteria"][row.criterion]
        row.evidence = summary["evidence"].get(row.criterion, [])
        row.save(update_fields=["suggested", "evidence", "updated_at"])


def _open(
    item: InboxItem,
    *,
    acting_user: User | None,
    note: str,
    triage: dict[str, Any] | None,
) -> SafetyCase:
    org = Organization.objects.select_for_update().get(pk=item.organization_id)
    item = InboxItem.objects.select_related(
        "channel", "author", "conversation__parent_target__post"
    ).get(pk=item.pk)
    now = timezone.now()
    state = states_for([item]).get(item.pk)
    moderation = {
        "hidden": bool(state and state.hidden),
        "deleted": bool(state and state.deleted),
        "author_blocked": bool(state and state.author_blocked),
    }
    snapshot = build_snapshot(item, moderation=moderation, taken_at=now)
    # Day zero: when the message first reached Hygie (GVP VI.B.7, regulation PV-03).
    day_zero = item.created_at
    policy = settings_for(org)
    year = timezone.localdate().year
    number = SafetyCase.objects.filter(organization=org, created_at__year=year).count() + 1
    case = SafetyCase.objects.create(
        organization=org,
        reference=f"PV-{org.pk}-{year}-{number:04d}",
        source_item=item,
        source_snapshot=snapshot,
        content_hash=snapshot_hash(snapshot),
        day_zero=day_zero,
        due_at=clock.due_at(day_zero, policy.forward_within_business_days, org.timezone),
        opened_by=acting_user,
        opened_automatically=acting_user is None,
        note=note[:2000],
    )
    CaseCriterion.objects.bulk_create(
        [CaseCriterion(organization=org, case=case, criterion=c) for c in Criterion.values]
    )
    if triage is not None:
        _apply_triage(case, triage)
        case.save()
    record_event(
        "safety_case.opened",
        actor=acting_user,
        actor_repr=None if acting_user is not None else "hygie triage",
        organization=org,
        target=case,
        after={
            "reference": case.reference,
            "source_item": item.pk,
            "day_zero": day_zero.isoformat(),
            "due_at": case.due_at.isoformat(),
            "content_hash": case.content_hash,
            "automatically": case.opened_automatically,
            "triage_model": triage["model_version"] if triage else None,
        },
    )
    return case


@transaction.atomic
def do_open_case_from_item(item: InboxItem, *, acting_user: User, note: str = "") -> SafetyCase:
    """A member sends a message to safety. Refused when the message already has a case."""
    # Lock first, then look: two clicks at once must not open two cases for one event.
    Organization.objects.select_for_update().get(pk=item.organization_id)
    existing = SafetyCase.objects.filter(source_item=item).first()
    if existing is not None:
        raise ActionError(
            _("A safety case is already open for this message: %(ref)s")
            % {"ref": existing.reference}
        )
    if item.direction != Direction.INBOUND:
        raise ActionError(_("Only a message received from the public can be sent to safety."))
    return _open(item, acting_user=acting_user, note=note, triage=None)


def reportable(triage: TriageFindings) -> bool:
    """What goes to the pharmacovigilance officer: a possible adverse event, or a special
    situation or a quality complaint about a named product (GVP VI: special situations are
    reportable even without a reaction). The one rule, for the triage and for safety."""
    return bool(
        triage.adverse_event
        or (triage.special_situations and triage.products)
        or (triage.quality_complaint and triage.products)
    )


@transaction.atomic
def do_open_case_from_triage(item: InboxItem, *, triage: TriageFindings) -> SafetyCase | None:
    """The triage flagged ``item``: open its case (no user), unless it has one already.

    Returns None when the triage found nothing :func:`reportable`; the existing case when
    there is one (its criteria get the triage's suggestions if a member opened it before the
    triage ran, once).
    """
    if not reportable(triage) or item.direction != Direction.INBOUND:
        return None
    Organization.objects.select_for_update().get(pk=item.organization_id)
    existing = SafetyCase.objects.filter(source_item=item).first()
    if existing is not None:
        if not existing.triage:
            summary = _triage_summary(triage)
            _apply_triage(existing, summary)
            existing.save()
            record_event(
                "safety_case.triaged",
                actor=None,
                actor_repr="hygie triage",
                organization=existing.organization,
                target=existing,
                after={"model_version": summary["model_version"]},
            )
        return existing
    return _open(item, acting_user=None, note="", triage=_triage_summary(triage))
