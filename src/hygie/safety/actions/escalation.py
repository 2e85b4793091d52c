"""Escalating cases whose forwarding deadline nears (run by beat)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hygie.accounts.models import User
from hygie.accounts.roles import Perm
from hygie.audit.log import record_event
from hygie.safety import clock
from hygie.safety.actions._common import _locked
from hygie.safety.actions.safety_settings import safety_members, settings_for
from hygie.safety.models import ACTIVE_STATUSES, SafetyCase, SafetySettings

# The package's logger, as when these actions were one module.
logger = logging.getLogger("hygie.safety.actions")


# --- Escalation (beat) -----------------------------------------------------------------------


def _recipients(case: SafetyCase, policy: SafetySettings) -> list[User]:
    members = {m.user_id: m for m in safety_members(case.organization)}
    backup = policy.backup_officer
    if backup is not None and backup.pk in members and backup.email:
        return [backup]
    # No back-up chosen (or no longer a member): every member who manages cases.
    return [m.user for m in members.values() if m.has_perm(Perm.SAFETY_MANAGE) and m.user.email]


def _notify(case: SafetyCase, users: list[User], now: datetime) -> None:
    """An e-mail per recipient, in their language. No health data: the reference, the
    deadline and the link only."""
    path = reverse("safety:detail", kwargs={"org_slug": case.organization.slug, "case_id": case.pk})
    link = f"{settings.HYGIE_BASE_URL}{path}"
    with timezone.override(case.organization.timezone):
        due = timezone.localtime(case.due_at).strftime("%d/%m/%Y %H:%M")
    for user in users:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            state = clock.clock(case.due_at, now=now, stopped_at=None, warn_hours=0)
            subject = _("Safety case %(ref)s: %(clock)s") % {
                "ref": case.reference,
                "clock": state.text,
            }
            body = _(
                "The safety case %(ref)s of %(org)s must be forwarded before %(due)s "
                "(%(clock)s) and has not been yet.\n\n"
                "You are the back-up pharmacovigilance officer: please take it over.\n\n"
                "%(link)s\n"
            ) % {
                "ref": case.reference,
                "org": case.organization.name,
                "due": due,
                "clock": state.text,
                "link": link,
            }
            send_mail(subject, body, None, [user.email])


@transaction.atomic
def do_escalate_case(case: SafetyCase, *, now: datetime | None = None) -> bool:
    """Escalate one case if its deadline is near or past and it was not escalated yet: the
    back-up officer gets an e-mail. True when this call escalated it (once per case)."""
    now = now or timezone.now()
    case = _locked(case)
    policy = settings_for(case.organization)
    if (
        case.escalated_at is not None
        or case.status not in ACTIVE_STATUSES
        or now < clock.escalates_at(case.due_at, policy.escalate_hours_before_due)
    ):
        return False
    users = _recipients(case, policy)
    case.escalated_at = now
    case.escalated_to = ", ".join(u.email for u in users)[:500]
    case.save(update_fields=["escalated_at", "escalated_to", "updated_at"])
    record_event(
        "safety_case.escalated",
        actor=None,
        actor_repr="hygie",
        organization=case.organization,
        target=case,
        after={
            "due_at": case.due_at.isoformat(),
            "overdue": now > case.due_at,
            "notified": [u.email for u in users],
            "backup": policy.backup_officer is not None,
        },
    )
    # In the transaction: if the mail server refuses, the case stays to escalate next time.
    _notify(case, users, now)
    return True


def escalation_candidates(now: datetime) -> list[int]:
    """Active cases not escalated yet whose deadline is within the longest possible warning."""
    horizon = now + timedelta(hours=72)
    return list(
        SafetyCase.objects.filter(
            status__in=ACTIVE_STATUSES, escalated_at__isnull=True, due_at__lte=horizon
        )
        .order_by("due_at")
        .values_list("pk", flat=True)
    )


def do_escalate_due_cases(now: datetime | None = None) -> int:
    """Escalate every case due soon (run by beat). Each case in its own transaction; a case
    whose e-mail fails is tried again next time. Returns how many were escalated."""
    now = now or timezone.now()
    escalated = 0
    for case_id in escalation_candidates(now):
        case = SafetyCase.objects.filter(pk=case_id).first()
        if case is None:
            continue
        try:
            escalated += do_escalate_case(case, now=now)
        except OSError:
            logger.exception("escalating safety case %s: the e-mail failed", case_id)
    return escalated
