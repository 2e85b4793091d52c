"""Reading safety cases: the list, a case's page, and sending an inbox message to safety."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
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
from hygie.safety.models import ACTIVE_STATUSES, SafetyCase
from hygie.safety.views._common import (
    FILTERS,
    PER_PAGE,
    _back,
    _case,
    _detail_context,
    _show_and_q,
    case_clock,
    filtered_cases,
)


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


@org_view(Perm.SAFETY_VIEW)
@require_safe
def case_detail(request: OrgRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    return render(request, "safety/detail.html", _detail_context(request, case))


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
