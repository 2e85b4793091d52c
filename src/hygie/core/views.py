from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from hygie.accounts.models import Membership, User
from hygie.core import health
from hygie.core.access import SESSION_ORG_KEY


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the member to the calendar of the organisation they used last (or their first)."""
    assert isinstance(request.user, User)  # noqa: S101  (login_required)
    memberships = Membership.objects.filter(
        user=request.user, is_active=True, organization__is_active=True
    ).select_related("organization")
    last = request.session.get(SESSION_ORG_KEY)
    chosen = next((m for m in memberships if m.organization.slug == last), None) or next(
        iter(memberships.order_by("organization__name")), None
    )
    if chosen is None:
        return render(request, "core/no_organization.html")
    return redirect("publishing:calendar", org_slug=chosen.organization.slug)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    healthy, body = health.report(details=bool(getattr(request.user, "is_staff", False)))
    return JsonResponse(body, status=200 if healthy else 503)
