"""Opening and following safety cases. Each write is atomic and audited.

A case opens from an inbox message, by a member ("send to safety") or by the triage
(``do_open_case_from_triage``), with a snapshot of the message taken at once, before any
moderation. Its clock runs from day zero (the message's first ingestion) to the organisation's
forwarding deadline; ``do_escalate_due_cases`` (beat) warns the back-up officer once when the
deadline nears. The officer confirms the four minimum criteria, records the seriousness and the
details, logs each follow-up, acknowledges publicly with an approved text, links duplicates,
then forwards the case (refused until the four criteria are confirmed) or closes it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Membership, Organization, User
from hygie.accounts.roles import Perm
from hygie.audit.log import record_event
from hygie.inbox.actions import do_send_reply
from hygie.inbox.models import Direction, InboxItem, ItemKind, OutboundReply
from hygie.moderation.state import states_for
from hygie.safety import clock
from hygie.safety.models import (
    ACTIVE_STATUSES,
    PRIVATE_CHANNELS,
    AgeGroup,
    CaseCriterion,
    CaseStatus,
    CloseReason,
    Criterion,
    DuplicateLink,
    FollowUp,
    FollowUpChannel,
    FollowUpOutcome,
    ProductRole,
    ReactionOutcome,
    ReporterQualification,
    SafetyAckTemplate,
    SafetyCase,
    SafetySettings,
    Seriousness,
    Sex,
    SpecialSituation,
)
from hygie.safety.snapshot import build_snapshot, snapshot_hash

logger = logging.getLogger(__name__)

# Default forwarding deadline: one business day after day zero (regulation PV-04).
FORWARD_WITHIN_BUSINESS_DAYS = 1
ESCALATE_HOURS_BEFORE_DUE = 4
# The approved answer every organisation starts with (regulation PV-08: thanks, and private).
DEFAULT_ACK_NAME = "Accusé de réception"
DEFAULT_ACK_TEXT = (
    "Merci pour votre message. Nous vous contactons en message privé pour en savoir plus."
)
MAX_PRODUCTS = 20
MAX_REACTIONS = 20
MAX_TEXT = 5000


class TriageFindings(Protocol):
    """What ``do_open_case_from_triage`` reads of the triage's row for a message
    (``hygie.triage.models.MessageTriage``); typed loosely so safety does not import it."""

    @property
    def model_version(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def adverse_event(self) -> bool: ...
    @property
    def adverse_event_score(self) -> float: ...
    @property
    def products(self) -> Any: ...
    @property
    def special_situations(self) -> Any: ...
    @property
    def quality_complaint(self) -> bool: ...
    @property
    def minimum_criteria(self) -> Any: ...
    @property
    def evidence(self) -> Any: ...


# --- Settings --------------------------------------------------------------------------------


def settings_for(org: Organization) -> SafetySettings:
    """The organisation's settings, or the defaults (not saved) until someone changes them."""
    stored = (
        SafetySettings.objects.filter(organization=org).select_related("backup_officer").first()
    )
    if stored is not None:
        return stored
    return SafetySettings(
        organization=org,
        forward_within_business_days=FORWARD_WITHIN_BUSINESS_DAYS,
        escalate_hours_before_due=ESCALATE_HOURS_BEFORE_DUE,
    )


def safety_members(org: Organization) -> list[Membership]:
    """Active members who may read cases (the officers, the responsible pharmacist)."""
    members = (
        Membership.objects.filter(organization=org, is_active=True, user__is_active=True)
        .select_related("user")
        .prefetch_related("roles")
        .order_by("user__full_name", "user__email")
    )
    return [m for m in members if m.has_perm(Perm.SAFETY_VIEW)]


@transaction.atomic
def do_save_safety_settings(
    org: Organization, *, data: Mapping[str, Any], acting_user: User
) -> SafetySettings:
    stored = SafetySettings.objects.select_for_update().filter(organization=org).first()
    current = stored or settings_for(org)
    # A key left out keeps its value.
    days = int(data.get("forward_within_business_days", current.forward_within_business_days))
    hours = int(data.get("escalate_hours_before_due", current.escalate_hours_before_due))
    backup = data.get("backup_officer", current.backup_officer)
    if not 1 <= days <= 15:
        raise ActionError(_("The deadline is between 1 and 15 business days."))
    if not 0 <= hours <= 72:
        raise ActionError(_("Escalate at most 72 hours before the deadline."))
    if backup is not None and backup.pk not in {m.user_id for m in safety_members(org)}:
        raise ActionError(_("The back-up officer must be a member who can read safety cases."))
    before = _settings_state(current)
    current.forward_within_business_days = days
    current.escalate_hours_before_due = hours
    current.backup_officer = backup
    current.forward_to = str(data.get("forward_to", current.forward_to))[:255].strip()
    current.region = str(data.get("region", current.region))[:100].strip()
    current.save()
    record_event(
        "safety_settings.changed",
        actor=acting_user,
        organization=org,
        target=current,
        before=before if stored is not None else None,
        after=_settings_state(current),
    )
    return current


def _settings_state(s: SafetySettings) -> dict[str, Any]:
    return {
        "forward_within_business_days": s.forward_within_business_days,
        "escalate_hours_before_due": s.escalate_hours_before_due,
        "backup_officer": s.backup_officer.email if s.backup_officer else None,
        "forward_to": s.forward_to,
        "region": s.region,
    }


# --- Opening ---------------------------------------------------------------------------------


def _evidence(spans: Any) -> list[dict[str, Any]]:
    """The triage's supporting words, kept only when well formed."""
    kept: list[dict[str, Any]] = []
    for span in spans if isinstance(spans, list | tuple) else []:
        if not isinstance(span, Mapping):
            continue
        start, end, text = span.get("start"), span.get("end"), span.get("text")
        if isinstance(start, int) and isinstance(end, int) and isinstance(text, str) and text:
            kept.append(
                {
                    "start": start,
                    "end": end,
                    "text": text[:300],
                    "label": str(span.get("label", "")),
                }
            )
    return kept[:20]


def _triage_summary(triage: TriageFindings) -> dict[str, Any]:
    evidence = triage.evidence if isinstance(triage.evidence, Mapping) else {}
    return {
        "model_version": str(triage.model_version),
        "lang": str(triage.lang),
        "adverse_event": bool(triage.adverse_event),
        "adverse_event_score": round(float(triage.adverse_event_score), 4),
        "products": [str(p) for p in triage.products or []][:MAX_PRODUCTS],
        "special_situations": [str(s) for s in triage.special_situations or []],
        "quality_complaint": bool(triage.quality_complaint),
        "minimum_criteria": {
            str(k): bool(v) for k, v in dict(triage.minimum_criteria or {}).items()
        },
        "evidence": {str(k): _evidence(v) for k, v in evidence.items()},
    }


def _apply_triage(case: SafetyCase, summary: dict[str, Any]) -> None:
    """The triage's findings as suggestions: the criteria rows, and a first draft of the
    products, reactions and special situations for the officer to correct."""
    case.triage = summary
    if not case.products:
        case.products = [
            {"name": name, "role": ProductRole.SUSPECT.value, "batch": ""}
            for name in dict.fromkeys(summary["products"])
        ]
    if not case.reactions:
        verbatims = [span["text"] for span in summary["evidence"].get("event", [])]
        case.reactions = [{"text": text, "outcome": ""} for text in dict.fromkeys(verbatims)]
    if not case.special_situations:
        case.special_situations = [
            s for s in summary["special_situations"] if s in SpecialSituation.values
        ]
    case.quality_complaint = case.quality_complaint or summary["quality_complaint"]
    for row in case.criteria.all():
        if row.criterion in summary["minimum_criteria"]:
            row.suggested = summary["minimum_criteria"][row.criterion]
        row.evidence = summary["evidence"].get(row.criterion, [])
        row.save(update_fields=["suggested", "evidence", "updated_at"])


def _open(
    item: InboxItem,
    *,
    acting_user: User | None,
    note: str,
    triage: dict[str, Any] | None,
) -> SafetyCase:
    org = Organization.objects.select_for_update().get(pk=item.organization_id)
    item = InboxItem.objects.select_related(
        "channel", "author", "conversation__parent_target__post"
    ).get(pk=item.pk)
    now = timezone.now()
    state = states_for([item]).get(item.pk)
    moderation = {
        "hidden": bool(state and state.hidden),
        "deleted": bool(state and state.deleted),
        "author_blocked": bool(state and state.author_blocked),
    }
    snapshot = build_snapshot(item, moderation=moderation, taken_at=now)
    # Day zero: when the message first reached Hygie (GVP VI.B.7, regulation PV-03).
    day_zero = item.created_at
    policy = settings_for(org)
    year = timezone.localdate().year
    number = SafetyCase.objects.filter(organization=org, created_at__year=year).count() + 1
    case = SafetyCase.objects.create(
        organization=org,
        reference=f"PV-{org.pk}-{year}-{number:04d}",
        source_item=item,
        source_snapshot=snapshot,
        content_hash=snapshot_hash(snapshot),
        day_zero=day_zero,
        due_at=clock.due_at(day_zero, policy.forward_within_business_days, org.timezone),
        opened_by=acting_user,
        opened_automatically=acting_user is None,
        note=note[:2000],
    )
    CaseCriterion.objects.bulk_create(
        [CaseCriterion(organization=org, case=case, criterion=c) for c in Criterion.values]
    )
    if triage is not None:
        _apply_triage(case, triage)
        case.save()
    record_event(
        "safety_case.opened",
        actor=acting_user,
        actor_repr=None if acting_user is not None else "hygie triage",
        organization=org,
        target=case,
        after={
            "reference": case.reference,
            "source_item": item.pk,
            "day_zero": day_zero.isoformat(),
            "due_at": case.due_at.isoformat(),
            "content_hash": case.content_hash,
            "automatically": case.opened_automatically,
            "triage_model": triage["model_version"] if triage else None,
        },
    )
    return case


@transaction.atomic
def do_open_case_from_item(item: InboxItem, *, acting_user: User, note: str = "") -> SafetyCase:
    """A member sends a message to safety. Refused when the message already has a case."""
    # Lock first, then look: two clicks at once must not open two cases for one event.
    Organization.objects.select_for_update().get(pk=item.organization_id)
    existing = SafetyCase.objects.filter(source_item=item).first()
    if existing is not None:
        raise ActionError(
            _("A safety case is already open for this message: %(ref)s")
            % {"ref": existing.reference}
        )
    if item.direction != Direction.INBOUND:
        raise ActionError(_("Only a message received from the public can be sent to safety."))
    return _open(item, acting_user=acting_user, note=note, triage=None)


def reportable(triage: TriageFindings) -> bool:
    """What goes to the pharmacovigilance officer: a possible adverse event, or a special
    situation or a quality complaint about a named product (GVP VI: special situations are
    reportable even without a reaction). The one rule, for the triage and for safety."""
    return bool(
        triage.adverse_event
        or (triage.special_situations and triage.products)
        or (triage.quality_complaint and triage.products)
    )


@transaction.atomic
def do_open_case_from_triage(item: InboxItem, *, triage: TriageFindings) -> SafetyCase | None:
    """The triage flagged ``item``: open its case (no user), unless it has one already.

    Returns None when the triage found nothing :func:`reportable`; the existing case when
    there is one (its criteria get the triage's suggestions if a member opened it before the
    triage ran, once).
    """
    if not reportable(triage) or item.direction != Direction.INBOUND:
        return None
    Organization.objects.select_for_update().get(pk=item.organization_id)
    existing = SafetyCase.objects.filter(source_item=item).first()
    if existing is not None:
        if not existing.triage:
            summary = _triage_summary(triage)
            _apply_triage(existing, summary)
            existing.save()
            record_event(
                "safety_case.triaged",
                actor=None,
                actor_repr="hygie triage",
                organization=existing.organization,
                target=existing,
                after={"model_version": summary["model_version"]},
            )
        return existing
    return _open(item, acting_user=None, note="", triage=_triage_summary(triage))


# --- Working on a case -----------------------------------------------------------------------


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


@transaction.atomic
def do_take_case(case: SafetyCase, *, acting_user: User) -> SafetyCase:
    """The officer takes the case and starts its assessment."""
    case = _locked(case)
    _require_active(case)
    before = {"status": case.status, "assigned_to": _email(case.assigned_to)}
    case.status = CaseStatus.ASSESSING
    case.assigned_to = acting_user
    case.save(update_fields=["status", "assigned_to", "updated_at"])
    record_event(
        "safety_case.taken",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"status": case.status, "assigned_to": acting_user.email},
    )
    return case


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None


@transaction.atomic
def do_confirm_criterion(
    case: SafetyCase,
    criterion: str,
    *,
    present: bool | None,
    acting_user: User,
    note: str = "",
) -> CaseCriterion:
    """A person says whether a minimum criterion is met (None: back to "not reviewed")."""
    if criterion not in Criterion.values:
        raise ActionError(_("Unknown criterion."))
    case = _locked(case)
    _require_active(case)
    row = case.criteria.get(criterion=criterion)
    before = {"confirmed": row.confirmed, "by": _email(row.confirmed_by), "note": row.note}
    row.confirmed = present
    row.confirmed_by = acting_user if present is not None else None
    row.confirmed_at = timezone.now() if present is not None else None
    row.note = note.strip()[:500]
    row.save()
    taken = _take(case, acting_user)
    if taken:
        case.save(update_fields=[*taken, "updated_at"])
    record_event(
        "safety_case.criterion_confirmed" if present is not None else "safety_case.criterion_reset",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={
            "criterion": criterion,
            "confirmed": present,
            "suggested": row.suggested,
            "note": row.note,
        },
    )
    return row


def missing_criteria(case: SafetyCase) -> list[str]:
    """The minimum criteria not confirmed as met, in their usual order."""
    met = {c.criterion for c in CaseCriterion.objects.filter(case=case) if c.confirmed is True}
    return [c for c in Criterion.values if c not in met]


@transaction.atomic
def do_set_seriousness(
    case: SafetyCase, *, criteria: Collection[str], acting_user: User
) -> SafetyCase:
    unknown = set(criteria) - set(Seriousness.values)
    if unknown:
        raise ActionError(_("Unknown seriousness criterion."))
    case = _locked(case)
    _require_active(case)
    before = {"seriousness": [s.value for s in case.seriousness], "serious": case.serious}
    for s in Seriousness:
        setattr(case, f"serious_{s.value}", s.value in criteria)
    case.seriousness_assessed_at = timezone.now()
    case.seriousness_assessed_by = acting_user
    taken = _take(case, acting_user)
    case.save(
        update_fields=[
            *[f"serious_{s.value}" for s in Seriousness],
            "seriousness_assessed_at",
            "seriousness_assessed_by",
            *taken,
            "updated_at",
        ]
    )
    record_event(
        "safety_case.seriousness_assessed",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"seriousness": [s.value for s in case.seriousness], "serious": case.serious},
    )
    return case


DETAIL_FIELDS = (
    "reporter_qualification",
    "reporter_country",
    "patient_initials",
    "patient_age",
    "patient_age_group",
    "patient_sex",
    "patient_pregnant",
    "products",
    "reactions",
    "special_situations",
    "quality_complaint",
    "narrative",
)


def _choice(value: Any, choices: Iterable[str], *, blank: bool = True) -> str:
    text = str(value or "")
    if text in choices or (blank and not text):
        return text
    raise ActionError(_("Unknown value: %(value)s") % {"value": text[:50]})


def _clean_details(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "reporter_qualification" in data:
        clean["reporter_qualification"] = (
            _choice(data["reporter_qualification"], ReporterQualification.values)
            or ReporterQualification.CONSUMER.value
        )
    if "reporter_country" in data:
        country = str(data["reporter_country"] or "").strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise ActionError(_("The reporter's country is a two-letter code (FR, BE…)."))
        clean["reporter_country"] = country
    if "patient_initials" in data:
        clean["patient_initials"] = str(data["patient_initials"] or "").strip()[:10]
    if "patient_age" in data:
        age = data["patient_age"]
        if age in (None, ""):
            clean["patient_age"] = None
        else:
            age = int(age)
            if not 0 <= age <= 130:
                raise ActionError(_("The patient's age is between 0 and 130 years."))
            clean["patient_age"] = age
    if "patient_age_group" in data:
        clean["patient_age_group"] = _choice(data["patient_age_group"], AgeGroup.values)
    if "patient_sex" in data:
        clean["patient_sex"] = _choice(data["patient_sex"], Sex.values)
    if "patient_pregnant" in data:
        pregnant = data["patient_pregnant"]
        clean["patient_pregnant"] = None if pregnant is None else bool(pregnant)
    if "products" in data:
        products = []
        for p in list(data["products"] or [])[: MAX_PRODUCTS + 1]:
            name = str(p.get("name", "")).strip()[:200]
            if not name:
                continue
            products.append(
                {
                    "name": name,
                    "role": _choice(p.get("role"), ProductRole.values) or ProductRole.SUSPECT.value,
                    "batch": str(p.get("batch", "") or "").strip()[:100],
                }
            )
        if len(products) > MAX_PRODUCTS:
            raise ActionError(_("At most %(n)d products.") % {"n": MAX_PRODUCTS})
        clean["products"] = products
    if "reactions" in data:
        reactions = []
        for r in list(data["reactions"] or [])[: MAX_REACTIONS + 1]:
            text = str(r.get("text", "")).strip()[:1000]
            if text:
                reactions.append(
                    {"text": text, "outcome": _choice(r.get("outcome"), ReactionOutcome.values)}
                )
        if len(reactions) > MAX_REACTIONS:
            raise ActionError(_("At most %(n)d reactions.") % {"n": MAX_REACTIONS})
        clean["reactions"] = reactions
    if "special_situations" in data:
        situations = [str(s) for s in data["special_situations"] or []]
        for s in situations:
            _choice(s, SpecialSituation.values, blank=False)
        clean["special_situations"] = [s for s in SpecialSituation.values if s in situations]
    if "quality_complaint" in data:
        clean["quality_complaint"] = bool(data["quality_complaint"])
    if "narrative" in data:
        clean["narrative"] = str(data["narrative"] or "").strip()[:MAX_TEXT]
    return clean


@transaction.atomic
def do_update_case_details(
    case: SafetyCase, *, data: Mapping[str, Any], acting_user: User
) -> SafetyCase:
    """Reporter, patient, products, reactions, special situations, narrative."""
    clean = _clean_details(data)
    case = _locked(case)
    _require_active(case)
    changed = [name for name, value in clean.items() if getattr(case, name) != value]
    before = {name: getattr(case, name) for name in changed}
    for name in changed:
        setattr(case, name, clean[name])
    taken = _take(case, acting_user)
    if not changed and not taken:
        return case
    case.save(update_fields=[*changed, *taken, "updated_at"])
    record_event(
        "safety_case.details_changed",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={name: getattr(case, name) for name in changed},
    )
    return case


# --- Follow-up and acknowledgement -----------------------------------------------------------


@transaction.atomic
def do_add_follow_up(
    case: SafetyCase,
    *,
    channel: str,
    text: str,
    outcome: str = FollowUpOutcome.AWAITING,
    acting_user: User,
    at: datetime | None = None,
) -> FollowUp:
    """Log one attempt to learn more, or its answer (every attempt is documented)."""
    channel = _choice(channel, FollowUpChannel.values, blank=False)
    outcome = _choice(outcome, FollowUpOutcome.values, blank=False)
    text = text.strip()
    if not text:
        raise ActionError(_("Say what was asked or learnt."))
    now = timezone.now()
    when = at or now
    if when > now:
        raise ActionError(_("A follow-up is logged once it has happened."))
    case = _locked(case)
    follow_up = FollowUp.objects.create(
        organization=case.organization,
        case=case,
        at=when,
        channel=channel,
        outcome=outcome,
        text=text[:MAX_TEXT],
        by=acting_user,
    )
    record_event(
        "safety_case.follow_up_logged",
        actor=acting_user,
        organization=case.organization,
        target=case,
        after={
            "follow_up": follow_up.pk,
            "at": when.isoformat(),
            "channel": channel,
            "outcome": outcome,
            "text": follow_up.text,
        },
    )
    return follow_up


def ack_templates(org: Organization) -> list[SafetyAckTemplate]:
    """The organisation's approved acknowledgements in use; the default one (not saved yet)
    when it has none."""
    templates = list(SafetyAckTemplate.objects.filter(organization=org, is_active=True))
    if templates or SafetyAckTemplate.objects.filter(organization=org).exists():
        return templates
    return [SafetyAckTemplate(organization=org, name=DEFAULT_ACK_NAME, text=DEFAULT_ACK_TEXT)]


def _default_template(org: Organization) -> SafetyAckTemplate:
    template, created = SafetyAckTemplate.objects.get_or_create(
        organization=org,
        name=DEFAULT_ACK_NAME,
        defaults={"text": DEFAULT_ACK_TEXT, "language": "fr"},
    )
    if created:
        record_event(
            "safety_ack_template.created",
            actor=None,
            actor_repr="hygie default",
            organization=org,
            target=template,
            after={"name": template.name, "text": template.text},
        )
    return template


@transaction.atomic
def do_save_ack_template(
    org: Organization,
    *,
    data: Mapping[str, Any],
    acting_user: User,
    template: SafetyAckTemplate | None = None,
) -> SafetyAckTemplate:
    """Write (and so approve) an acknowledgement. Its author approves it: only safety
    managers may."""
    name = str(data.get("name", "")).strip()[:120]
    text = str(data.get("text", "")).strip()
    if not name or not text:
        raise ActionError(_("Give the template a name and a text."))
    if len(text) > 1000:
        raise ActionError(_("An acknowledgement is at most 1,000 characters."))
    clash = SafetyAckTemplate.objects.filter(organization=org, name=name)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ActionError(_("Another template has this name."))
    before = None
    if template is None:
        template = SafetyAckTemplate(organization=org)
    else:
        template = SafetyAckTemplate.objects.select_for_update().get(pk=template.pk)
        before = {"name": template.name, "text": template.text, "is_active": template.is_active}
    template.name = name
    template.text = text
    template.language = str(data.get("language") or "fr")[:8]
    template.is_active = bool(data.get("is_active", True))
    template.approved_by = acting_user
    template.approved_at = timezone.now()
    template.save()
    record_event(
        "safety_ack_template.approved",
        actor=acting_user,
        organization=org,
        target=template,
        before=before,
        after={"name": name, "text": text, "is_active": template.is_active},
    )
    return template


@transaction.atomic
def do_send_acknowledgement(
    case: SafetyCase,
    *,
    template: SafetyAckTemplate | None,
    private_channel: str,
    acting_user: User,
    send_from_hygie: bool = True,
) -> OutboundReply | None:
    """Answer the source publicly with an approved text and move the talk to a private
    channel. From Hygie, the answer is queued like any reply (the caller queues
    ``send_reply_attempt`` for the returned reply on commit); otherwise the member posted it
    on the network and this records it. Never a word on causality (regulation PV-08)."""
    private_channel = _choice(private_channel, [c.value for c in PRIVATE_CHANNELS], blank=False)
    case = _locked(case)
    org = case.organization
    if case.ack_sent_at is not None:
        raise ActionError(
            _("The acknowledgement was already sent on %(when)s.")
            % {"when": timezone.localtime(case.ack_sent_at).strftime("%d/%m/%Y %H:%M")}
        )
    if template is None:
        template = _default_template(org)
    if template.organization_id != org.pk or not template.is_active:
        raise ActionError(_("Choose an approved acknowledgement in use."))
    item = case.source_item
    reply: OutboundReply | None = None
    if send_from_hygie:
        if item is None:
            raise ActionError(_("The source message is not in the inbox: post it yourself."))
        # The text is an approved template: its findings, if any, were read when approving it.
        reply = do_send_reply(
            item.conversation,
            text=template.text,
            in_reply_to=item,
            acting_user=acting_user,
            acknowledged_findings=True,
        )
    public = item is None or item.kind != ItemKind.DIRECT_MESSAGE
    now = timezone.now()
    case.ack_template = template
    case.ack_text = template.text
    case.ack_sent_at = now
    case.ack_sent_by = acting_user
    case.ack_reply = reply
    case.private_channel = private_channel
    taken = _take(case, acting_user) if case.is_active else []
    case.save(
        update_fields=[
            "ack_template",
            "ack_text",
            "ack_sent_at",
            "ack_sent_by",
            "ack_reply",
            "private_channel",
            *taken,
            "updated_at",
        ]
    )
    follow_up = FollowUp.objects.create(
        organization=org,
        case=case,
        at=now,
        channel=FollowUpChannel.PUBLIC_REPLY if public else FollowUpChannel.PRIVATE_MESSAGE,
        outcome=FollowUpOutcome.AWAITING,
        text=template.text,
        by=acting_user,
    )
    record_event(
        "safety_case.acknowledged",
        actor=acting_user,
        organization=org,
        target=case,
        after={
            "template": template.name,
            "text": template.text,
            "sent_from_hygie": reply is not None,
            "reply": reply.pk if reply is not None else None,
            "private_channel": private_channel,
            "follow_up": follow_up.pk,
        },
    )
    return reply


# --- Duplicates ------------------------------------------------------------------------------


def _pair(case: SafetyCase, other: SafetyCase) -> tuple[SafetyCase, SafetyCase]:
    if case.organization_id != other.organization_id or case.pk == other.pk:
        raise ActionError(_("Choose another case of this organisation."))
    return (case, other) if case.pk < other.pk else (other, case)


@transaction.atomic
def do_link_duplicate(
    case: SafetyCase, other: SafetyCase, *, acting_user: User, note: str = ""
) -> DuplicateLink:
    low, high = _pair(case, other)
    _locked(low), _locked(high)
    if DuplicateLink.objects.filter(case=low, other=high).exists():
        raise ActionError(
            _("%(a)s and %(b)s are already linked.") % {"a": low.reference, "b": high.reference}
        )
    link = DuplicateLink.objects.create(
        organization_id=case.organization_id,
        case=low,
        other=high,
        linked_by=acting_user,
        note=note.strip()[:500],
    )
    for this, that in ((case, other), (other, case)):
        record_event(
            "safety_case.duplicate_linked",
            actor=acting_user,
            organization=case.organization,
            target=this,
            after={"other": that.reference, "note": link.note},
        )
    return link


@transaction.atomic
def do_unlink_duplicate(case: SafetyCase, other: SafetyCase, *, acting_user: User) -> None:
    low, high = _pair(case, other)
    deleted, _rows = DuplicateLink.objects.filter(case=low, other=high).delete()
    if not deleted:
        raise ActionError(_("These cases are not linked."))
    for this, that in ((case, other), (other, case)):
        record_event(
            "safety_case.duplicate_unlinked",
            actor=acting_user,
            organization=case.organization,
            target=this,
            before={"other": that.reference},
        )


# --- Forwarding, closing, reopening ----------------------------------------------------------


@transaction.atomic
def do_forward_case(
    case: SafetyCase, *, forwarded_to: str, reference: str = "", acting_user: User
) -> SafetyCase:
    """The case reached the safety department (or database). Refused until a person has
    confirmed the four minimum criteria of a valid case."""
    case = _locked(case)
    _require_active(case)
    missing = missing_criteria(case)
    if missing:
        raise ActionError(
            _("Confirm the four minimum criteria before forwarding. Not confirmed: %(missing)s.")
            % {"missing": ", ".join(str(Criterion(c).label).lower() for c in missing)}
        )
    forwarded_to = forwarded_to.strip()[:255]
    if not forwarded_to:
        raise ActionError(_("Say where the case was forwarded."))
    before = {"status": case.status}
    now = timezone.now()
    case.status = CaseStatus.FORWARDED
    case.forwarded_at = now
    case.forwarded_by = acting_user
    case.forwarded_to = forwarded_to
    case.forwarded_reference = reference.strip()[:100]
    if case.assigned_to_id is None:
        case.assigned_to = acting_user
    case.save(
        update_fields=[
            "status",
            "forwarded_at",
            "forwarded_by",
            "forwarded_to",
            "forwarded_reference",
            "assigned_to",
            "updated_at",
        ]
    )
    record_event(
        "safety_case.forwarded",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={
            "status": case.status,
            "forwarded_to": case.forwarded_to,
            "reference": case.forwarded_reference,
            "serious": case.serious,
            "due_at": case.due_at.isoformat(),
            "on_time": now <= case.due_at,
        },
    )
    return case


@transaction.atomic
def do_close_case(
    case: SafetyCase, *, reason: str, note: str = "", acting_user: User
) -> SafetyCase:
    """Not a case, a duplicate (linked first), or not valid after follow-up: with a reason."""
    reason = _choice(reason, CloseReason.values, blank=False)
    note = note.strip()[:MAX_TEXT]
    case = _locked(case)
    _require_active(case)
    if reason in (CloseReason.OTHER, CloseReason.NOT_VALID) and not note:
        raise ActionError(_("Explain why the case is closed."))
    if (
        reason == CloseReason.DUPLICATE
        and not DuplicateLink.objects.filter(Q(case=case) | Q(other=case)).exists()
    ):
        raise ActionError(_("Link the case this one duplicates first."))
    before = {"status": case.status}
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    case.closed_by = acting_user
    case.close_reason = reason
    case.close_note = note
    case.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "close_reason",
            "close_note",
            "updated_at",
        ]
    )
    record_event(
        "safety_case.closed",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"status": case.status, "reason": reason, "note": note},
    )
    return case


@transaction.atomic
def do_reopen_case(case: SafetyCase, *, reason: str, acting_user: User) -> SafetyCase:
    """New information on a forwarded or closed case: back to assessment."""
    reason = reason.strip()[:MAX_TEXT]
    if not reason:
        raise ActionError(_("Say why the case is reopened."))
    case = _locked(case)
    if case.is_active:
        raise ActionError(_("This case is not forwarded or closed."))
    before = {"status": case.status, "close_reason": case.close_reason}
    case.status = CaseStatus.ASSESSING
    case.closed_at = None
    case.closed_by = None
    case.close_reason = ""
    case.close_note = ""
    case.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "close_reason",
            "close_note",
            "updated_at",
        ]
    )
    record_event(
        "safety_case.reopened",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"status": case.status, "reason": reason},
    )
    return case


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


# --- Exports and declaration -----------------------------------------------------------------


@transaction.atomic
def do_record_export(
    org: Organization,
    cases: Iterable[SafetyCase],
    *,
    fmt: str,
    acting_user: User,
    listing: bool = False,
) -> None:
    """Who took which cases out of Hygie, in which format: this is health data. One event on
    the case for one case; one event naming every case for a list (``listing``)."""
    targets = list(cases)
    references = [c.reference for c in targets]
    if len(targets) == 1 and not listing:
        record_event(
            "safety_case.exported",
            actor=acting_user,
            organization=org,
            target=targets[0],
            after={"format": fmt, "cases": references},
        )
    else:
        record_event(
            "safety_cases.exported",
            actor=acting_user,
            organization=org,
            after={"format": fmt, "cases": references, "count": len(references)},
        )


@transaction.atomic
def do_record_declaration(case: SafetyCase, *, reference: str, acting_user: User) -> SafetyCase:
    """The pharmacist declared the case on the national portal (regional centre)."""
    reference = reference.strip()[:100]
    if not reference:
        raise ActionError(_("Paste the reference the portal gave."))
    case = _locked(case)
    if not case.organization.is_pharmacy:
        raise ActionError(_("Only a pharmacy declares to the regional centre from Hygie."))
    before = {"declared_at": case.declared_at, "reference": case.declaration_reference}
    case.declared_at = timezone.now()
    case.declared_by = acting_user
    case.declaration_reference = reference
    case.save(update_fields=["declared_at", "declared_by", "declaration_reference", "updated_at"])
    record_event(
        "safety_case.declared",
        actor=acting_user,
        organization=case.organization,
        target=case,
        before=before,
        after={"reference": reference},
    )
    return case
