"""Private helpers shared by the safety views: filters, the case clock, loading a case,
the detail page context, redirects and running an action with its flash message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.audit.models import AuditEvent
from hygie.core.access import OrgRequest, access_scoped
from hygie.safety import actions, clock, duplicates, exporting, forms
from hygie.safety.export import check_case
from hygie.safety.models import (
    ACTIVE_STATUSES,
    CRITERION_HELP,
    CaseStatus,
    Criterion,
    SafetyCase,
    SafetySettings,
    SpecialSituation,
)
from hygie.safety.presentation import highlight
from hygie.safety.snapshot import parse_time, snapshot_hash

PER_PAGE = 50
FILTERS = {
    "open": gettext_lazy("To handle"),
    "overdue": gettext_lazy("Overdue"),
    "escalated": gettext_lazy("Escalated"),
    "forwarded": pgettext_lazy("cases filter", "Forwarded"),
    "closed": pgettext_lazy("cases filter", "Closed"),
    "all": gettext_lazy("All"),
}
HISTORY_VERBS = {
    "safety_case.opened": gettext_lazy("Case opened"),
    "safety_case.triaged": gettext_lazy("Triage suggestions added"),
    "safety_case.taken": gettext_lazy("Case taken"),
    "safety_case.criterion_confirmed": gettext_lazy("Criterion reviewed"),
    "safety_case.criterion_reset": gettext_lazy("Criterion back to “not reviewed”"),
    "safety_case.seriousness_assessed": gettext_lazy("Seriousness assessed"),
    "safety_case.details_changed": gettext_lazy("Details changed"),
    "safety_case.follow_up_logged": gettext_lazy("Follow-up logged"),
    "safety_case.acknowledged": gettext_lazy("Public acknowledgement"),
    "safety_case.duplicate_linked": gettext_lazy("Duplicate linked"),
    "safety_case.duplicate_unlinked": gettext_lazy("Duplicate unlinked"),
    "safety_case.forwarded": pgettext_lazy("case history", "Forwarded"),
    "safety_case.closed": pgettext_lazy("case history", "Closed"),
    "safety_case.reopened": gettext_lazy("Reopened"),
    "safety_case.escalated": gettext_lazy("Escalated to the back-up officer"),
    "safety_case.exported": gettext_lazy("Exported"),
    "safety_case.declared": gettext_lazy("Declared to the regional centre"),
}


def filtered_cases(request: OrgRequest, show: str, q: str) -> QuerySet[SafetyCase]:
    cases = SafetyCase.objects.filter(organization=request.org)
    now = timezone.now()
    if show == "open":
        cases = cases.filter(status__in=ACTIVE_STATUSES)
    elif show == "overdue":
        cases = cases.filter(status__in=ACTIVE_STATUSES, due_at__lt=now)
    elif show == "escalated":
        cases = cases.filter(status__in=ACTIVE_STATUSES, escalated_at__isnull=False)
    elif show in ("forwarded", "closed"):
        cases = cases.filter(status=show)
    if q:
        cases = cases.filter(Q(reference__icontains=q) | Q(forwarded_reference__icontains=q))
    if show in ("open", "overdue", "escalated"):
        return cases.order_by("due_at", "pk")
    return cases.order_by("-day_zero", "-pk")


def case_clock(case: SafetyCase, policy: SafetySettings, now: Any) -> clock.Clock:
    verb = {
        CaseStatus.FORWARDED: pgettext("case clock", "forwarded"),
        CaseStatus.CLOSED: pgettext("case clock", "closed"),
    }.get(CaseStatus(case.status), "")
    return clock.clock(
        case.due_at,
        now=now,
        stopped_at=case.clock_stopped_at,
        warn_hours=policy.escalate_hours_before_due,
        verb=verb,
    )


def _show_and_q(request: OrgRequest) -> tuple[str, str]:
    show = request.GET.get("show", "open")
    if show not in FILTERS:
        show = "open"
    return show, request.GET.get("q", "").strip()[:50]


def _history(request: OrgRequest, case: SafetyCase) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(
        organization=request.org,
        target_type=SafetyCase._meta.label_lower,
        target_id=str(case.pk),
    ).order_by("seq")
    labels = {c.value: str(c.label) for c in Criterion}
    found = []
    for e in events:
        after = e.after or {}
        detail = labels.get(after.get("criterion", ""), "")
        if after.get("criterion") and after.get("confirmed") is not None:
            detail += " — " + (_("met") if after["confirmed"] else _("not met"))
        detail = detail or after.get("format") or after.get("other") or after.get("reason") or ""
        found.append(
            {
                "at": e.created_at,
                "who": e.actor_repr,
                "what": HISTORY_VERBS.get(e.verb, e.verb),
                "verb": e.verb,
                "detail": str(detail)[:200],
            }
        )
    return found


def _detail_context(request: OrgRequest, case: SafetyCase, **bound: Any) -> dict[str, Any]:
    now = timezone.now()
    policy = actions.settings_for(request.org)
    criteria = sorted(case.criteria.select_related("confirmed_by"), key=lambda c: c.order)
    labels = {c.value: str(c.label) for c in Criterion}
    labels |= {s.value: str(s.label) for s in SpecialSituation}
    spans: dict[str, Any] = {c.criterion: c.evidence for c in criteria}
    for key, found in (case.triage.get("evidence") or {}).items():
        if key in SpecialSituation.values:
            spans[key] = found
    text = str(case.source_snapshot.get("text", ""))
    can_manage = request.membership.has_perm(Perm.SAFETY_MANAGE)
    linked = duplicates.linked_cases(case)
    suggestions = duplicates.suggestions(case) if can_manage and case.is_active else []
    templates = actions.ack_templates(request.org)
    context: dict[str, Any] = {
        "case": case,
        "clock": case_clock(case, policy, now),
        "policy": policy,
        "segments": highlight(text, spans, labels),
        "snapshot": case.source_snapshot,
        "posted_at": parse_time(case.source_snapshot.get("received_at")),
        "earlier": [
            {**m, "at": parse_time(m.get("received_at"))}
            for m in (case.source_snapshot.get("thread") or {}).get("previous", [])
        ],
        "snapshot_intact": snapshot_hash(case.source_snapshot) == case.content_hash,
        "criteria": [(c, CRITERION_HELP[Criterion(c.criterion)]) for c in criteria],
        "missing": actions.missing_criteria(case),
        "follow_ups": case.follow_ups.select_related("by"),
        "linked": linked,
        "suggestions": suggestions,
        "templates": templates,
        "history": _history(request, case),
        "can_manage": can_manage,
        "is_pharmacy": request.org.is_pharmacy,
        "seriousness_form": forms.SeriousnessForm(
            initial={"seriousness": [s.value for s in case.seriousness]}
        ),
        "details_form": forms.DetailsForm.for_case(case),
        "products_formset": forms.ProductFormSet(initial=case.products, prefix="products"),
        "reactions_formset": forms.ReactionFormSet(initial=case.reactions, prefix="reactions"),
        "follow_up_form": forms.FollowUpForm(),
        "ack_form": forms.AcknowledgementForm(),
        "forward_form": forms.ForwardForm(initial={"forwarded_to": policy.forward_to}),
        "close_form": forms.CloseForm(),
        "reopen_form": forms.ReopenForm(),
        "declaration_form": forms.DeclarationDoneForm(),
        # What the exported file will lack (the E2B file itself is checked at download).
        "export_problems": check_case(exporting.icsr_case(case)) if can_manage else [],
    }
    context.update(bound)
    return context


def _case(request: OrgRequest, case_id: int) -> SafetyCase:
    return access_scoped(
        SafetyCase.objects.select_related(
            "opened_by",
            "assigned_to",
            "source_item__conversation",
            "source_item__channel",
            "source_item__author",
            "seriousness_assessed_by",
            "ack_sent_by",
            "ack_reply",
            "forwarded_by",
            "closed_by",
            "declared_by",
            "organization",
        ),
        request,
        case_id,
    )


def _back(request: OrgRequest, case: SafetyCase, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("safety:detail", kwargs={"org_slug": request.org.slug, "case_id": case.pk})
    return HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))


def _run(request: OrgRequest, success: str, call: Any) -> bool:
    try:
        call()
    except ActionError as exc:
        messages.error(request, str(exc))
        return False
    if success:
        messages.success(request, success)
    return True
