"""``{% approval_panel post as panel %}``: what the post page shows about approvals."""

from __future__ import annotations

from typing import Any

from django import template

from hygie.accounts.roles import Perm
from hygie.approvals.content import content_hash
from hygie.approvals.gate import publication_decision
from hygie.approvals.models import LIVE_STATUSES, SEVERITY_LABELS, ApprovalRequest
from hygie.publishing.models import Post, PostStatus

register = template.Library()


@register.simple_tag(takes_context=True)
def approval_panel(context: template.Context, post: Post) -> dict[str, Any]:
    """The latest request of the post, whether it may be published now, and whether the
    member may submit it (always possible for a version without a request in progress: a
    post the gate lets through may still be sent to a reviewer)."""
    membership = context.get("current_membership")
    latest = (
        ApprovalRequest.objects.filter(post=post)
        .select_related("requested_by")
        .prefetch_related("signatures")
        .order_by("-requested_at", "-pk")
        .first()
    )
    decision = publication_decision(post)
    current = content_hash(post) if latest is not None else ""
    live_for_this_version = (
        latest is not None
        and latest.status in LIVE_STATUSES
        and latest.content_hash == current
        and not latest.is_expired()
    )
    can_submit = (
        membership is not None
        and membership.has_perm(Perm.POSTS_COMPOSE)
        and post.status not in (PostStatus.PUBLISHED, PostStatus.CANCELLED)
        and not live_for_this_version
    )
    return {
        "request": latest,
        "steps": latest.step_rows() if latest is not None else [],
        "decision": decision,
        "changed": latest is not None and latest.content_hash != current,
        "expired": latest is not None and latest.is_expired(),
        "can_submit": can_submit,
    }


@register.filter
def severity_label(severity: str) -> str:
    """``needs_approval`` → "Needs approval", in the interface's language."""
    return str(SEVERITY_LABELS.get(severity, severity))
