"""Safety cases: open from an inbox message, forward within the deadline."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.inbox.models import InboxItem
from hygie.safety import actions
from hygie.safety.models import CaseStatus, SafetyCase


@org_view(Perm.SAFETY_VIEW)
@require_safe
def case_list(request: OrgRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    cases = SafetyCase.objects.filter(organization=request.org).select_related("opened_by")
    if show == "open":
        cases = cases.filter(status=CaseStatus.OPEN)
    return render(
        request,
        "safety/list.html",
        {"cases": cases.order_by("due_at"), "show": show, "now": timezone.now()},
    )


@org_view(Perm.SAFETY_VIEW)
@require_safe
def case_detail(request: OrgRequest, case_id: int) -> HttpResponse:
    case = access_scoped(SafetyCase.objects.select_related("opened_by"), request, case_id)
    return render(
        request,
        "safety/detail.html",
        {
            "case": case,
            "now": timezone.now(),
            "can_manage": request.membership.has_perm(Perm.SAFETY_MANAGE),
        },
    )


@org_view(Perm.SAFETY_REPORT)
@require_POST
def report_item(request: OrgRequest, item_id: int) -> HttpResponse:
    """Anyone who reads the inbox can send a message to safety: the officer decides."""
    item = access_scoped(InboxItem.objects.select_related("channel"), request, item_id)
    try:
        case = actions.do_open_case_from_item(
            item, acting_user=request.user, note=request.POST.get("note", "")[:2000]
        )
    except ActionError as exc:
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
    return redirect("inbox:detail", org_slug=request.org.slug, item_id=item.pk)


@org_view(Perm.SAFETY_MANAGE)
@require_POST
def case_status(request: OrgRequest, case_id: int) -> HttpResponse:
    case = access_scoped(SafetyCase.objects.all(), request, case_id)
    status = request.POST.get("status", "")
    if status not in (CaseStatus.FORWARDED, CaseStatus.CLOSED):
        messages.error(request, _("Unknown status."))
    else:
        try:
            actions.do_set_case_status(case, status=status, acting_user=request.user)
        except ActionError as exc:
            messages.error(request, str(exc))
    return redirect("safety:detail", org_slug=request.org.slug, case_id=case.pk)
