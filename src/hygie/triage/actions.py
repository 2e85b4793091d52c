"""Reading inbound messages as they arrive. Each write is atomic and audited."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.inbox.models import InboxItem
from hygie.nlp.types import TriageResult
from hygie.triage.models import AbuseAction, MessageTriage, TriageSettings
from hygie.triage.service import triager_for

logger = logging.getLogger(__name__)


def settings_for(org: Organization | int) -> TriageSettings:
    org_id = org if isinstance(org, int) else org.pk
    found = TriageSettings.objects.filter(organization_id=org_id).first()
    return found if found is not None else TriageSettings(organization_id=org_id)


def _row_values(result: TriageResult) -> dict[str, Any]:
    return {
        "model_version": result.model_version[:64],
        "lang": result.lang,
        "products": list(result.products),
        "adverse_event": result.adverse_event.flag,
        "adverse_event_score": result.adverse_event.score,
        "special_situations": list(result.special_situations),
        "quality_complaint": result.quality_complaint,
        "abusive": result.abusive.flag,
        "abusive_score": result.abusive.score,
        "abuse_kinds": list(result.abuse_kinds),
        "medical_question": result.medical_question,
        "spam": result.spam,
        "sentiment": result.sentiment,
        "minimum_criteria": dict(result.minimum_criteria),
        "evidence": {k: [e.to_json() for e in v] for k, v in result.evidence.items()},
    }


def _summary(row: MessageTriage) -> dict[str, Any]:
    return {
        "model_version": row.model_version,
        "adverse_event": row.adverse_event,
        "adverse_event_score": round(row.adverse_event_score, 4),
        "special_situations": row.special_situations,
        "quality_complaint": row.quality_complaint,
        "abusive": row.abusive,
        "abusive_score": round(row.abusive_score, 4),
        "medical_question": row.medical_question,
        "spam": row.spam,
        "sentiment": row.sentiment,
    }


def needs_safety(row: MessageTriage) -> bool:
    """Whether the reading goes to the pharmacovigilance officer (the safety app's one rule,
    :func:`hygie.safety.actions.reportable`)."""
    from hygie.safety.actions import reportable

    return reportable(row)


@transaction.atomic
def do_triage_item(item: InboxItem, *, replace: bool = False) -> MessageTriage | None:
    """Read one inbound message and store the reading (once; ``replace`` for a new model).

    A possible adverse event opens a safety case in the same transaction, so the case's
    snapshot of the message exists before any moderation can hide it; an abusive message goes
    to the moderation queue once committed (hidden first where the organisation allows it).
    """
    if not item.is_inbound:
        return None
    existing = MessageTriage.objects.filter(item=item).first()
    if existing is not None and not replace:
        return existing
    settings = settings_for(item.organization_id)
    triager = triager_for(settings.ae_threshold, settings.abuse_threshold)
    result = triager.triage(item.text, channel=f"{item.channel.network}_{item.kind}")
    values = _row_values(result)
    before = _summary(existing) if existing is not None else None
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        row = existing
    else:
        try:
            with transaction.atomic():
                row = MessageTriage.objects.create(
                    organization_id=item.organization_id, item=item, **values
                )
        except IntegrityError:  # read at the same moment by another worker
            return MessageTriage.objects.get(item=item)
    record_event(
        "inbox_item.triaged",
        actor=None,
        actor_repr="hygie.triage",
        organization=item.organization,
        target=item,
        before=before,
        after=_summary(row),
    )
    if settings.open_cases and needs_safety(row):
        from hygie.safety.actions import do_open_case_from_triage

        do_open_case_from_triage(item, triage=row)
    if row.abusive and (existing is None or not (before or {}).get("abusive")):
        from hygie.triage.tasks import moderate_abusive

        transaction.on_commit(partial(moderate_abusive.delay, item.pk), robust=True)
    return row


@transaction.atomic
def do_update_settings(
    org: Organization, *, data: dict[str, Any], acting_user: User
) -> TriageSettings:
    settings = TriageSettings.objects.select_for_update().filter(organization=org).first()
    if settings is None:
        settings = TriageSettings(organization=org)
    before = _settings_values(settings) if settings.pk else None
    for key in ("ae_threshold", "abuse_threshold"):
        value = data.get(key)
        if value is not None and not 0.0 < float(value) < 1.0:
            raise ActionError(_("A threshold is a number between 0 and 1 (exclusive)."))
    action = data.get("abuse_action", settings.abuse_action)
    if action not in AbuseAction.values:
        raise ActionError(_("Unknown action for abusive messages."))
    settings.open_cases = bool(data.get("open_cases", settings.open_cases))
    settings.ae_threshold = data.get("ae_threshold")
    settings.abuse_threshold = data.get("abuse_threshold")
    settings.abuse_action = action
    settings.save()
    record_event(
        "triage_settings.updated",
        actor=acting_user,
        organization=org,
        target=settings,
        before=before,
        after=_settings_values(settings),
    )
    return settings


def _settings_values(settings: TriageSettings) -> dict[str, Any]:
    return {
        "open_cases": settings.open_cases,
        "ae_threshold": settings.ae_threshold,
        "abuse_action": settings.abuse_action,
        "abuse_threshold": settings.abuse_threshold,
    }


def moderate(item: InboxItem) -> str:
    """Queue an abusive message for a person (hidden first where allowed). Thin wrapper for
    the task: the moderation app takes the evidence before touching the network."""
    from hygie.moderation.actions import do_enqueue
    from hygie.moderation.models import RuleAction

    row = MessageTriage.objects.filter(item=item).first()
    if row is None or not row.abusive:
        return "not abusive"
    settings = settings_for(item.organization_id)
    action = RuleAction.HIDE if settings.abuse_action == AbuseAction.HIDE else RuleAction.QUEUE
    kinds = ", ".join(row.abuse_kinds) or "abuse"
    entry = do_enqueue(
        item,
        reason="classifier:abuse",
        reason_label=_("Abusive message (%(kinds)s)") % {"kinds": kinds},
        action=action,
        score=row.abusive_score,
        matched_text=" … ".join(e["text"] for e in row.evidence.get("abuse", []))[:200],
    )
    return f"queued as entry {entry.pk}"
