"""Safety cases: open from an inbox message, assess, follow up, forward within the deadline.

Reading a case needs ``Perm.SAFETY_VIEW`` (pharmacovigilance officer, responsible pharmacist);
changing or exporting one needs ``Perm.SAFETY_MANAGE``. Anyone who reads the inbox may send a
message to safety (``Perm.SAFETY_REPORT``) and learns its reference, never the case.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.audit.models import AuditEvent
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.inbox.actions import first_attempt
from hygie.inbox.models import InboxItem
from hygie.safety import actions, clock, duplicates, exporting, forms
from hygie.safety.export import check_case, validate_icsr
from hygie.safety.models import (
    ACTIVE_STATUSES,
    CRITERION_HELP,
    CaseStatus,
    Criterion,
    SafetyAckTemplate,
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


@org_view(Perm.SAFETY_VIEW)
@require_safe
def case_list(request: OrgRequest) -> HttpResponse:
    show, q = _show_and_q(request)
    now = timezone.now()
    policy = actions.settings_for(request.org)
    page = Paginator(
        filtered_cases(request, show, q)
        .select_related("assigned_to", "opened_by")
        .prefetch_related("criteria"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    active = SafetyCase.objects.filter(organization=request.org, status__in=ACTIVE_STATUSES)
    counts = {
        "open": active.count(),
        "overdue": active.filter(due_at__lt=now).count(),
        "escalated": active.filter(escalated_at__isnull=False).count(),
    }
    return render(
        request,
        "safety/list.html",
        {
            "rows": [(case, case_clock(case, policy, now)) for case in page],
            "page": page,
            "show": show,
            "q": q,
            "filters": [(key, label, counts.get(key)) for key, label in FILTERS.items()],
            "can_manage": request.membership.has_perm(Perm.SAFETY_MANAGE),
            "policy": policy,
        },
    )


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


@org_view(Perm.SAFETY_VIEW)
@require_safe
def case_detail(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    return render(request, "safety/detail.html", _detail_context(request, case))


def _back(request: OrgRequest, case: SafetyCase, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("safety:detail", kwargs={"org_slug": request.org.slug, "case_id": case.pk})
    return HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))


@org_view(Perm.SAFETY_REPORT)
@require_POST
def report_item(request: OrgRequest, item_id: int) -> HttpResponse:
    """Anyone who reads the inbox can send a message to safety: the officer decides. An
    officer lands on the case; the others learn its reference only."""
    item = access_scoped(InboxItem.objects.select_related("channel"), request, item_id)
    officer = request.membership.has_perm(Perm.SAFETY_VIEW)
    try:
        case = actions.do_open_case_from_item(
            item, acting_user=request.user, note=request.POST.get("note", "")[:2000]
        )
    except ActionError as exc:
        existing = SafetyCase.objects.filter(organization=request.org, source_item=item).first()
        if officer and existing is not None:
            return _back(request, existing)
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Sent to safety as %(ref)s. Forward before %(due)s.")
            % {
                "ref": case.reference,
                "due": timezone.localtime(case.due_at).strftime("%d/%m %H:%M"),
            },
        )
        if officer:
            return _back(request, case)
    return redirect("inbox:detail", org_slug=request.org.slug, item_id=item.pk)


def _run(request: OrgRequest, success: str, call: Any) -> bool:
    try:
        call()
    except ActionError as exc:
        messages.error(request, str(exc))
        return False
    if success:
        messages.success(request, success)
    return True


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_take(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    _run(
        request,
        _("You are in charge of this case."),
        lambda: actions.do_take_case(case, acting_user=request.user),
    )
    return _back(request, case)


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_criterion(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    criterion = request.POST.get("criterion", "")
    decision = request.POST.get("decision", "")
    present = {"met": True, "not_met": False, "reset": None}
    if criterion not in Criterion.values or decision not in present:
        messages.error(request, _("Choose a criterion and a decision."))
    else:
        _run(
            request,
            "",
            lambda: actions.do_confirm_criterion(
                case,
                criterion,
                present=present[decision],
                note=request.POST.get("note", "")[:500],
                acting_user=request.user,
            ),
        )
    return _back(request, case, f"criterion-{criterion}")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_seriousness(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.SeriousnessForm(request.POST)
    if form.is_valid():
        _run(
            request,
            _("Seriousness saved."),
            lambda: actions.do_set_seriousness(
                case, criteria=form.cleaned_data["seriousness"], acting_user=request.user
            ),
        )
    else:
        messages.error(request, _("Unknown seriousness criterion."))
    return _back(request, case, "seriousness")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_details(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.DetailsForm(request.POST)
    products = forms.ProductFormSet(request.POST, prefix="products")
    reactions = forms.ReactionFormSet(request.POST, prefix="reactions")
    if form.is_valid() and products.is_valid() and reactions.is_valid():
        data = dict(form.cleaned_data)
        data["products"] = [f.cleaned_data for f in products.forms if f.cleaned_data]
        data["reactions"] = [f.cleaned_data for f in reactions.forms if f.cleaned_data]
        if _run(
            request,
            _("Details saved."),
            lambda: actions.do_update_case_details(case, data=data, acting_user=request.user),
        ):
            return _back(request, case, "details")
    context = _detail_context(
        request,
        case,
        details_form=form,
        products_formset=products,
        reactions_formset=reactions,
        details_error=True,
    )
    return render(request, "safety/detail.html", context, status=400)


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_follow_up(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.FollowUpForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, case, follow_up_form=form)
        return render(request, "safety/detail.html", context, status=400)
    data = form.cleaned_data
    _run(
        request,
        _("Follow-up logged."),
        lambda: actions.do_add_follow_up(
            case,
            channel=data["channel"],
            outcome=data["outcome"],
            text=data["text"],
            at=data["at"],
            acting_user=request.user,
        ),
    )
    return _back(request, case, "follow-ups")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_acknowledge(request: OrgRequest, case_id: int) -> HttpResponse:
    from hygie.inbox.tasks import send_reply_attempt

    case = _case(request, case_id)
    form = forms.AcknowledgementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the conversation continues in private."))
        return _back(request, case, "acknowledgement")
    chosen = form.cleaned_data["template"]
    template: SafetyAckTemplate | None = None
    if chosen.isdigit():
        template = access_scoped(SafetyAckTemplate.objects.all(), request, int(chosen))
    try:
        reply = actions.do_send_acknowledgement(
            case,
            template=template,
            private_channel=form.cleaned_data["private_channel"],
            send_from_hygie=form.cleaned_data["mode"] == "hygie",
            acting_user=request.user,
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return _back(request, case, "acknowledgement")
    if reply is not None:
        attempt = first_attempt(reply)
        transaction.on_commit(lambda: send_reply_attempt.delay(attempt.pk))
        messages.success(
            request, _("Sending the acknowledgement on %(ch)s.") % {"ch": reply.channel}
        )
    else:
        messages.success(request, _("Acknowledgement recorded."))
    return _back(request, case, "acknowledgement")


def _other(request: OrgRequest, case: SafetyCase) -> SafetyCase | None:
    """The case named in the form, by id or by reference, of the same organisation."""
    value = request.POST.get("other", "").strip()[:32]
    scoped = SafetyCase.objects.filter(organization=request.org)
    if value.isdigit():
        return access_scoped(scoped, request, int(value))
    return scoped.filter(reference__iexact=value).first() if value else None


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_link(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    other = _other(request, case)
    if other is None:
        messages.error(request, _("No case has this reference."))
    else:
        _run(
            request,
            _("Linked with %(ref)s.") % {"ref": other.reference},
            lambda: actions.do_link_duplicate(
                case, other, note=request.POST.get("note", "")[:500], acting_user=request.user
            ),
        )
    return _back(request, case, "duplicates")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_unlink(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    other = _other(request, case)
    if other is not None:
        _run(
            request,
            _("Link removed."),
            lambda: actions.do_unlink_duplicate(case, other, acting_user=request.user),
        )
    return _back(request, case, "duplicates")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_forward(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.ForwardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say where the case was forwarded."))
    else:
        _run(
            request,
            _("Case forwarded."),
            lambda: actions.do_forward_case(
                case,
                forwarded_to=form.cleaned_data["forwarded_to"],
                reference=form.cleaned_data["reference"],
                acting_user=request.user,
            ),
        )
    return _back(request, case, "status")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_close(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the reason for closing."))
    else:
        _run(
            request,
            _("Case closed."),
            lambda: actions.do_close_case(
                case,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            ),
        )
    return _back(request, case, "status")


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_reopen(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the case is reopened."))
    else:
        _run(
            request,
            _("Case reopened."),
            lambda: actions.do_reopen_case(
                case, reason=form.cleaned_data["reason"], acting_user=request.user
            ),
        )
    return _back(request, case, "status")


# --- Settings --------------------------------------------------------------------------------


def _settings_page(
    request: OrgRequest,
    form: forms.SettingsForm | None = None,
    template_form: forms.AckTemplateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = actions.settings_for(request.org)
    officers = [m.user for m in actions.safety_members(request.org)]
    if form is None:
        form = forms.SettingsForm(
            officers=officers,
            initial={
                "forward_within_business_days": policy.forward_within_business_days,
                "escalate_hours_before_due": policy.escalate_hours_before_due,
                "backup_officer": policy.backup_officer_id,
                "forward_to": policy.forward_to,
                "region": policy.region,
            },
        )
    templates = SafetyAckTemplate.objects.filter(organization=request.org).select_related(
        "approved_by"
    )
    return render(
        request,
        "safety/settings.html",
        {
            "form": form,
            "policy": policy,
            "templates": [
                (
                    t,
                    forms.AckTemplateForm(
                        initial={
                            "name": t.name,
                            "text": t.text,
                            "language": t.language,
                            "is_active": t.is_active,
                        },
                        prefix=f"t{t.pk}",
                    ),
                )
                for t in templates
            ],
            "default_text": actions.DEFAULT_ACK_TEXT if not templates else "",
            "template_form": template_form or forms.AckTemplateForm(prefix="new"),
        },
        status=status,
    )


@org_view(Perm.SAFETY_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def safety_settings(request: OrgRequest) -> HttpResponse:
    if request.method != "POST":
        return _settings_page(request)
    officers = [m.user for m in actions.safety_members(request.org)]
    form = forms.SettingsForm(request.POST, officers=officers)
    if not form.is_valid():
        return _settings_page(request, form=form, status=400)
    if _run(
        request,
        _("Safety settings saved."),
        lambda: actions.do_save_safety_settings(
            request.org, data=form.cleaned_data, acting_user=request.user
        ),
    ):
        return redirect("safety:settings", org_slug=request.org.slug)
    return _settings_page(request, form=form, status=400)


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def ack_template_save(request: OrgRequest, ack_template_id: int | None = None) -> HttpResponse:
    template = None
    prefix = "new"
    if ack_template_id is not None:
        template = access_scoped(SafetyAckTemplate.objects.all(), request, ack_template_id)
        prefix = f"t{template.pk}"
    form = forms.AckTemplateForm(request.POST, prefix=prefix)
    if not form.is_valid():
        messages.error(request, _("Give the template a name and a text."))
    else:
        _run(
            request,
            _("Template approved."),
            lambda: actions.do_save_ack_template(
                request.org, data=form.cleaned_data, template=template, acting_user=request.user
            ),
        )
    return redirect("safety:settings", org_slug=request.org.slug)


# --- Exports (health data: each one is audited) ----------------------------------------------


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    return response


@org_view(Perm.SAFETY_MANAGE)
@require_GET
def case_e2b(request: OrgRequest, case_id: int) -> HttpResponse:
    """The case as an ICH E2B(R3) file, checked against the ICH schemas first: a file that
    does not validate is never handed out, its errors are shown instead."""
    case = _case(request, case_id)
    body = exporting.e2b_file(case, now=timezone.now())
    errors = validate_icsr(body)
    if errors:
        context = {"case": case, "errors": errors, "what": _("ICH E2B(R3) file")}
        return render(request, "safety/export_errors.html", context, status=422)
    actions.do_record_export(request.org, [case], fmt="e2b_r3", acting_user=request.user)
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-e2b-r3.xml"'
    return _no_store(response)


@org_view(Perm.SAFETY_MANAGE)
@require_GET
def cases_csv(request: OrgRequest) -> HttpResponse:
    """The cases of the list, with its filters, as CSV (UTF-8 with a BOM, for Excel)."""
    show, q = _show_and_q(request)
    cases = list(
        filtered_cases(request, show, q)
        .select_related("organization")
        .prefetch_related("follow_ups", "criteria")[:5000]
    )
    actions.do_record_export(request.org, cases, fmt="csv", acting_user=request.user, listing=True)
    body = exporting.csv_file(cases).encode("utf-8-sig")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = f"hygie-{request.org.slug}-safety-cases-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


def _pharmacy_case(request: OrgRequest, case_id: int) -> SafetyCase:
    if not request.org.is_pharmacy:
        raise Http404("Only a pharmacy declares to the regional centre")
    return _case(request, case_id)


@org_view(Perm.SAFETY_MANAGE)
@require_safe
def case_declaration(request: OrgRequest, case_id: int) -> HttpResponse:
    """The pharmacist's declaration to the regional pharmacovigilance centre, prefilled:
    what to type on the national portal, what is still missing, a text to copy."""
    case = _pharmacy_case(request, case_id)
    policy = actions.settings_for(request.org)
    found, bad_region = exporting.declaration(
        case, pharmacist_name=request.user.get_full_name(), region=policy.region
    )
    actions.do_record_export(request.org, [case], fmt="declaration", acting_user=request.user)
    response = render(
        request,
        "safety/declaration.html",
        {
            "case": case,
            "declaration": found,
            "missing": found.missing_fields(),
            "text": found.as_text(),
            "bad_region": bad_region,
            "form": forms.DeclarationDoneForm(),
        },
    )
    return _no_store(response)


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_declared(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _pharmacy_case(request, case_id)
    form = forms.DeclarationDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Paste the reference the portal gave."))
        return redirect("safety:declaration", org_slug=request.org.slug, case_id=case.pk)
    _run(
        request,
        _("Declaration recorded."),
        lambda: actions.do_record_declaration(
            case, reference=form.cleaned_data["reference"], acting_user=request.user
        ),
    )
    return _back(request, case)
