"""Helpers and limits shared by the safety actions: the case lock, the active-case guard,
the first officer's take-over and the choice check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import User
from hygie.safety.models import ACTIVE_STATUSES, CaseStatus, SafetyCase

MAX_PRODUCTS = 20
MAX_REACTIONS = 20
MAX_TEXT = 5000


def _locked(case: SafetyCase) -> SafetyCase:
    return (
        SafetyCase.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=case.pk)
    )


def _require_active(case: SafetyCase) -> None:
    if case.status not in ACTIVE_STATUSES:
        raise ActionError(
            _("This case is %(status)s: reopen it to change it.")
            % {"status": case.get_status_display().lower()}
        )


def _take(case: SafetyCase, user: User) -> list[str]:
    """Working on a new case starts its assessment; the first officer takes it."""
    changed = []
    if case.status == CaseStatus.OPEN:
        case.status = CaseStatus.ASSESSING
        changed.append("status")
    if case.assigned_to_id is None:
        case.assigned_to = user
        changed.append("assigned_to")
    return changed


def _choice(value: Any, choices: Iterable[str], *, blank: bool = True) -> str:
    text = str(value or "")
    if text in choices or (blank and not text):
        return text
    raise ActionError(_("Unknown value: %(value)s") % {"value": text[:50]})
