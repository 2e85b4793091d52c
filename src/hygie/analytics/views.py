"""Figures of the organisation's activity, computed from its own rows."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from hygie.accounts.roles import Perm
from hygie.channels.models import Channel
from hygie.core.access import OrgRequest, org_view
from hygie.inbox.models import InboxItem
from hygie.publishing.models import Post, PostStatus, PostTarget


@org_view(Perm.ANALYTICS_VIEW)
@require_safe
def overview(request: OrgRequest) -> HttpResponse:
    org = request.org
    since = timezone.now() - timedelta(days=183)
    posts_by_status = dict(
        Post.objects.filter(organization=org)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    published_by_month = (
        Post.objects.filter(organization=org, status=PostStatus.PUBLISHED, published_at__gte=since)
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    per_channel = (
        Channel.objects.filter(organization=org)
        .annotate(
            n_posts=Count("posts", distinct=True),
            inbound=Count("inbox_items", distinct=True),
        )
        .order_by("network", "name")
    )
    inbox_by_kind = (
        InboxItem.objects.filter(organization=org)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    rating_list = [
        r
        for r in InboxItem.objects.filter(organization=org).values_list("rating", flat=True)
        if r is not None
    ]
    peak = max((row["n"] for row in published_by_month), default=0)
    return render(
        request,
        "analytics/overview.html",
        {
            "posts_by_status": [
                (label, posts_by_status.get(value, 0)) for value, label in PostStatus.choices
            ],
            "published_by_month": [
                {**row, "pct": round(100 * row["n"] / peak) if peak else 0}
                for row in published_by_month
            ],
            "per_channel": per_channel,
            "inbox_by_kind": inbox_by_kind,
            "reviews": len(rating_list),
            "average_rating": round(sum(rating_list) / len(rating_list), 2)
            if rating_list
            else None,
            "targets": PostTarget.objects.filter(post__organization=org).count(),
        },
    )
