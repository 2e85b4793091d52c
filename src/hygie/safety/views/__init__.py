"""Safety cases: open from an inbox message, assess, follow up, forward within the deadline.

Reading a case needs ``Perm.SAFETY_VIEW`` (pharmacovigilance officer, responsible pharmacist);
changing or exporting one needs ``Perm.SAFETY_MANAGE``. Anyone who reads the inbox may send a
message to safety (``Perm.SAFETY_REPORT``) and learns its reference, never the case.

The views live in submodules: ``cases`` reads (the list, a case's page, sending an inbox
message to safety), ``editing`` changes a case (take, criteria, seriousness, details,
follow-ups, acknowledgement, duplicates, forward, close, reopen), ``exports`` hands out the
audited files (E2B, CSV, pharmacy declaration), ``safety_settings`` holds the safety settings and
acknowledgement templates, and ``_common`` the private helpers they share. This package
re-exports every view so ``hygie.safety.views.<name>`` keeps working.
"""

from __future__ import annotations

from hygie.safety.views._common import (
    FILTERS,
    HISTORY_VERBS,
    PER_PAGE,
    case_clock,
    filtered_cases,
)
from hygie.safety.views.cases import case_detail, case_list, report_item
from hygie.safety.views.editing import (
    case_acknowledge,
    case_close,
    case_criterion,
    case_details,
    case_follow_up,
    case_forward,
    case_link,
    case_reopen,
    case_seriousness,
    case_take,
    case_unlink,
)
from hygie.safety.views.exports import case_declaration, case_declared, case_e2b, cases_csv
from hygie.safety.views.safety_settings import ack_template_save, safety_settings

__all__ = [
    "FILTERS",
    "HISTORY_VERBS",
    "PER_PAGE",
    "ack_template_save",
    "case_acknowledge",
    "case_clock",
    "case_close",
    "case_criterion",
    "case_declaration",
    "case_declared",
    "case_detail",
    "case_details",
    "case_e2b",
    "case_follow_up",
    "case_forward",
    "case_link",
    "case_list",
    "case_reopen",
    "case_seriousness",
    "case_take",
    "case_unlink",
    "cases_csv",
    "filtered_cases",
    "report_item",
    "safety_settings",
]
