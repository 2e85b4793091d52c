"""What the base layout needs on every page: organisations, navigation, permissions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hygie import __version__
from hygie.accounts.middleware import second_factor_pending
from hygie.accounts.models import Membership
from hygie.accounts.roles import Perm

# (url name, label, permission). Order is the order of the navigation bar.
NAVIGATION = [
    ("publishing:calendar", _("Calendar"), Perm.POSTS_VIEW),
    ("publishing:compose", _("Compose"), Perm.POSTS_COMPOSE),
    ("approvals:queue", _("Approvals"), Perm.POSTS_VIEW),
    ("library:home", _("Library"), Perm.POSTS_VIEW),
    ("inbox:list", _("Inbox"), Perm.INBOX_VIEW),
    ("moderation:queue", _("Moderation"), Perm.INBOX_REPLY),
    ("safety:list", _("Safety"), Perm.SAFETY_VIEW),
    ("contacts:list", _("Contacts"), Perm.CONTACTS_VIEW),
    ("analytics:overview", _("Analytics"), Perm.ANALYTICS_VIEW),
    ("accounts:org_settings", _("Settings"), Perm.ORG_VIEW),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"hygie_version": __version__}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or second_factor_pending(request):
        return context
    membership: Membership | None = getattr(request, "membership", None)
    context["my_memberships"] = (
        Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )
    if membership is not None:
        context["current_org"] = membership.organization
        context["current_membership"] = membership
        context["perms_in_org"] = membership.permissions
        context["navigation"] = [
            (name, label) for name, label, perm in NAVIGATION if membership.has_perm(perm)
        ]
    return context
