"""The unified inbox: every comment, mention, message and review of the organisation."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hygie.accounts.roles import Perm
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.inbox import actions
from hygie.inbox.models import InboxItem, ItemKind, ItemStatus
from hygie.safety.models import SafetyCase


@org_view(Perm.INBOX_VIEW)
@require_safe
def item_list(request: OrgRequest) -> HttpResponse:
    items = InboxItem.objects.filter(organization=request.org).select_related(
        "channel", "assigned_to"
    )
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    query = request.GET.get("q", "").strip()
    if status in ItemStatus.values:
        items = items.filter(status=status)
    elif status != "all":
        status = ""
        items = items.exclude(status=ItemStatus.DONE)
    if kind in ItemKind.values:
        items = items.filter(kind=kind)
    if query:
        items = items.filter(Q(text__icontains=query) | Q(author_name__icontains=query))
    counts = dict(
        InboxItem.objects.filter(organization=request.org)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    page = Paginator(items.order_by("-received_at"), 50).get_page(request.GET.get("page"))
    # htmx asks for the results only when a filter changes; a full page otherwise.
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    template = "inbox/_results.html" if partial else "inbox/list.html"
    response = render(
        request,
        template,
        {
            "page": page,
            "status": status,
            "kind": kind,
            "q": query,
            "statuses": ItemStatus.choices,
            "kinds": ItemKind.choices,
            "counts": counts,
            "query": urlencode(
                {k: v for k, v in (("status", status), ("kind", kind), ("q", query)) if v}
            ),
        },
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@org_view(Perm.INBOX_VIEW)
@require_safe
def item_detail(request: OrgRequest, item_id: int) -> HttpResponse:
    item = access_scoped(
        InboxItem.objects.select_related("channel", "assigned_to"), request, item_id
    )
    cases = SafetyCase.objects.filter(organization=request.org, source_item=item)
    return render(
        request,
        "inbox/detail.html",
        {
            "item": item,
            "statuses": ItemStatus.choices,
            "can_reply": request.membership.has_perm(Perm.INBOX_REPLY),
            "cases": cases if request.membership.has_perm(Perm.SAFETY_VIEW) else None,
            "has_case": cases.exists(),
            "can_report": request.membership.has_perm(Perm.SAFETY_REPORT),
        },
    )


@org_view(Perm.INBOX_REPLY)
@require_POST
def item_status(request: OrgRequest, item_id: int) -> HttpResponse:
    item = access_scoped(InboxItem.objects.all(), request, item_id)
    status = request.POST.get("status", "")
    if status not in ItemStatus.values:
        messages.error(request, _("Unknown status."))
    else:
        actions.do_set_item_status(item, status=status, acting_user=request.user)
    return redirect("inbox:detail", org_slug=request.org.slug, item_id=item.pk)


@org_view(Perm.INBOX_REPLY)
@require_POST
def item_assign_me(request: OrgRequest, item_id: int) -> HttpResponse:
    item = access_scoped(InboxItem.objects.all(), request, item_id)
    actions.do_assign_item(item, assignee=request.user, acting_user=request.user)
    return redirect("inbox:detail", org_slug=request.org.slug, item_id=item.pk)
