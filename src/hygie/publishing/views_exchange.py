"""Posts in and out: CSV export and import, the calendar feed for calendar apps."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Membership
from hygie.accounts.roles import Perm
from hygie.channels.models import Channel
from hygie.core.access import OrgRequest, org_view
from hygie.publishing import actions, exchange
from hygie.publishing.models import Post


@org_view(Perm.POSTS_VIEW)
@require_safe
def export_csv(request: OrgRequest) -> HttpResponse:
    posts = (
        Post.objects.filter(organization=request.org)
        .prefetch_related("targets__channel")
        .order_by("scheduled_at", "pk")
    )
    body = exchange.posts_csv(posts, ZoneInfo(request.org.timezone))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hygie-{request.org.slug}-posts.csv"'
    return response


@org_view(Perm.POSTS_COMPOSE)
@require_http_methods(["GET", "POST"])
def import_csv(request: OrgRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or (upload.size or 0) > 2_000_000:
            errors = [_("Choose a CSV file of 2 MB at most.")]
        else:
            channels = list(Channel.objects.filter(organization=request.org))
            report = exchange.parse_import(upload.read(), channels, ZoneInfo(request.org.timezone))
            errors = report.errors
            if not errors:
                try:
                    created = actions.do_import_posts(
                        request.org,
                        rows=report.rows,
                        acting_user=request.user,
                        can_schedule=request.membership.has_perm(Perm.POSTS_SCHEDULE),
                    )
                except ActionError as exc:
                    errors = [str(exc)]
                else:
                    messages.success(request, _("%(n)s posts imported.") % {"n": len(created)})
                    return redirect("publishing:calendar", org_slug=request.org.slug)
    return render(request, "publishing/import.html", {"errors": errors})


@org_view(Perm.POSTS_VIEW)
@require_POST
def feed_renew(request: OrgRequest) -> HttpResponse:
    from hygie.accounts.actions import do_renew_feed_token

    do_renew_feed_token(request.membership, acting_user=request.user)
    messages.success(request, _("New calendar address: the old one no longer works."))
    return redirect("publishing:calendar", org_slug=request.org.slug)


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The organisation's calendar for calendar apps; the address itself is the secret."""
    membership = (
        Membership.objects.select_related("organization")
        .filter(
            feed_token=token,
            is_active=True,
            organization__is_active=True,
            user__is_active=True,
        )
        .first()
    )
    if membership is None or not membership.has_perm(Perm.POSTS_VIEW):
        raise Http404
    org = membership.organization
    since = timezone.now() - timedelta(days=92)
    posts = (
        Post.objects.filter(organization=org)
        .filter(Q(scheduled_at__gte=since) | Q(published_at__gte=since))
        .select_related("organization")
        .prefetch_related("targets__channel")
        .order_by("scheduled_at")
    )
    body = exchange.calendar_ics(
        org.name, posts, django_settings.HYGIE_BASE_URL, request.get_host().split(":")[0] or "hygie"
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="hygie-{org.slug}.ics"'
    return response
