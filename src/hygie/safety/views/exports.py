"""Exports of safety cases (E2B file, CSV list, pharmacy declaration); each one is audited."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from hygie.accounts.roles import Perm
from hygie.core.access import OrgRequest, org_view
from hygie.safety import actions, exporting, forms
from hygie.safety.export import validate_icsr
from hygie.safety.models import SafetyCase
from hygie.safety.views._common import _back, _case, _run, _show_and_q, filtered_cases

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
