"""Roles a member holds in an organisation, and what each role may do.

Permissions are plain strings checked by views (``@org_view(perm=...)``) and actions. A member
may hold several roles (a pharmacist is often owner and responsible pharmacist); their
permissions add up. The analyst role only reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    COMMUNITY_MANAGER = "community_manager", _("Community manager")
    CONTRIBUTOR = "contributor", _("Contributor")
    REVIEWER_MEDICAL = "reviewer_medical", _("Medical reviewer")
    REVIEWER_LEGAL = "reviewer_legal", _("Legal reviewer")
    REVIEWER_REGULATORY = "reviewer_regulatory", _("Regulatory reviewer")
    RESPONSIBLE_PHARMACIST = "responsible_pharmacist", _("Responsible pharmacist")
    PV_OFFICER = "pv_officer", _("Pharmacovigilance officer")
    ANALYST = "analyst", _("Analyst (read-only)")


class Perm:
    """Permission names. A constant per permission so typos fail at import, not at run time."""

    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    MEMBERS_MANAGE = "members.manage"
    CHANNELS_VIEW = "channels.view"
    CHANNELS_MANAGE = "channels.manage"
    POSTS_VIEW = "posts.view"
    POSTS_COMPOSE = "posts.compose"
    POSTS_SCHEDULE = "posts.schedule"
    POSTS_REVIEW = "posts.review"
    INBOX_VIEW = "inbox.view"
    INBOX_REPLY = "inbox.reply"
    CONTACTS_VIEW = "contacts.view"
    CONTACTS_MANAGE = "contacts.manage"
    SAFETY_REPORT = "safety.report"
    SAFETY_VIEW = "safety.view"
    SAFETY_MANAGE = "safety.manage"
    ANALYTICS_VIEW = "analytics.view"
    AUDIT_VIEW = "audit.view"


_READ = {Perm.ORG_VIEW, Perm.POSTS_VIEW, Perm.CHANNELS_VIEW, Perm.ANALYTICS_VIEW}
_EDITORIAL = _READ | {
    Perm.POSTS_COMPOSE,
    Perm.POSTS_SCHEDULE,
    Perm.INBOX_VIEW,
    Perm.INBOX_REPLY,
    Perm.SAFETY_REPORT,
    Perm.CONTACTS_VIEW,
    Perm.CONTACTS_MANAGE,
    Perm.CHANNELS_MANAGE,
}
_REVIEW = _READ | {Perm.POSTS_REVIEW, Perm.INBOX_VIEW, Perm.SAFETY_REPORT}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(_EDITORIAL | {Perm.ORG_MANAGE, Perm.MEMBERS_MANAGE, Perm.AUDIT_VIEW}),
    Role.COMMUNITY_MANAGER: frozenset(_EDITORIAL),
    Role.CONTRIBUTOR: frozenset({Perm.ORG_VIEW, Perm.POSTS_VIEW, Perm.POSTS_COMPOSE}),
    Role.REVIEWER_MEDICAL: frozenset(_REVIEW),
    Role.REVIEWER_LEGAL: frozenset(_REVIEW),
    Role.REVIEWER_REGULATORY: frozenset(_REVIEW),
    Role.RESPONSIBLE_PHARMACIST: frozenset(
        _EDITORIAL | _REVIEW | {Perm.SAFETY_VIEW, Perm.SAFETY_MANAGE, Perm.AUDIT_VIEW}
    ),
    Role.PV_OFFICER: frozenset(
        {
            Perm.ORG_VIEW,
            Perm.INBOX_VIEW,
            Perm.CONTACTS_VIEW,
            Perm.SAFETY_REPORT,
            Perm.SAFETY_VIEW,
            Perm.SAFETY_MANAGE,
        }
    ),
    Role.ANALYST: frozenset(_READ | {Perm.INBOX_VIEW, Perm.CONTACTS_VIEW, Perm.AUDIT_VIEW}),
}

# Roles whose holders must use two-factor authentication (TOTP) before anything else.
TWO_FACTOR_ROLES = frozenset(
    {Role.REVIEWER_MEDICAL, Role.REVIEWER_LEGAL, Role.REVIEWER_REGULATORY, Role.PV_OFFICER}
)


def permissions_for(roles: Iterable[str]) -> frozenset[str]:
    perms: set[str] = set()
    for role in roles:
        perms |= ROLE_PERMISSIONS[role]
    return frozenset(perms)
