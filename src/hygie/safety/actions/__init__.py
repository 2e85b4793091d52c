"""Opening and following safety cases. Each write is atomic and audited.

A case opens from an inbox message, by a member ("send to safety") or by the triage
(``do_open_case_from_triage``), with a snapshot of the message taken at once, before any
moderation. Its clock runs from day zero (the message's first ingestion) to the organisation's
forwarding deadline; ``do_escalate_due_cases`` (beat) warns the back-up officer once when the
deadline nears. The officer confirms the four minimum criteria, records the seriousness and the
details, logs each follow-up, acknowledges publicly with an approved text, links duplicates,
then forwards the case (refused until the four criteria are confirmed) or closes it.

The actions live in modules by stage: ``opening`` (from a message or the triage),
``assessment`` (taking a case, criteria, seriousness, details), ``follow_up`` (follow-ups and
the acknowledgement), ``forwarding`` (duplicates, forwarding, closing, reopening),
``escalation`` (beat), ``records`` (exports and declaration) and ``safety_settings``; shared
helpers in ``_common``. Import them from here: ``from hygie.safety.actions import …``.
"""

from hygie.safety.actions._common import MAX_PRODUCTS, MAX_REACTIONS, MAX_TEXT
from hygie.safety.actions.assessment import (
    DETAIL_FIELDS,
    do_confirm_criterion,
    do_set_seriousness,
    do_take_case,
    do_update_case_details,
    missing_criteria,
)
from hygie.safety.actions.escalation import (
    do_escalate_case,
    do_escalate_due_cases,
    escalation_candidates,
    logger,
)
from hygie.safety.actions.follow_up import (
    DEFAULT_ACK_NAME,
    DEFAULT_ACK_TEXT,
    ack_templates,
    do_add_follow_up,
    do_save_ack_template,
    do_send_acknowledgement,
)
from hygie.safety.actions.forwarding import (
    do_close_case,
    do_forward_case,
    do_link_duplicate,
    do_reopen_case,
    do_unlink_duplicate,
)
from hygie.safety.actions.opening import (
    TriageFindings,
    do_open_case_from_item,
    do_open_case_from_triage,
    reportable,
)
from hygie.safety.actions.records import do_record_declaration, do_record_export
from hygie.safety.actions.safety_settings import (
    ESCALATE_HOURS_BEFORE_DUE,
    FORWARD_WITHIN_BUSINESS_DAYS,
    do_save_safety_settings,
    safety_members,
    settings_for,
)

__all__ = [
    "DEFAULT_ACK_NAME",
    "DEFAULT_ACK_TEXT",
    "DETAIL_FIELDS",
    "ESCALATE_HOURS_BEFORE_DUE",
    "FORWARD_WITHIN_BUSINESS_DAYS",
    "MAX_PRODUCTS",
    "MAX_REACTIONS",
    "MAX_TEXT",
    "TriageFindings",
    "ack_templates",
    "do_add_follow_up",
    "do_close_case",
    "do_confirm_criterion",
    "do_escalate_case",
    "do_escalate_due_cases",
    "do_forward_case",
    "do_link_duplicate",
    "do_open_case_from_item",
    "do_open_case_from_triage",
    "do_record_declaration",
    "do_record_export",
    "do_reopen_case",
    "do_save_ack_template",
    "do_save_safety_settings",
    "do_send_acknowledgement",
    "do_set_seriousness",
    "do_take_case",
    "do_unlink_duplicate",
    "do_update_case_details",
    "escalation_candidates",
    "logger",
    "missing_criteria",
    "reportable",
    "safety_members",
    "settings_for",
]
