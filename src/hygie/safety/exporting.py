"""A ``SafetyCase`` as the export package's ``IcsrCase``: once, for every format.

The export package (``hygie.safety.export``) knows nothing of Django; this module reads the
case, its snapshot and its follow-ups, and never invents data: what the case does not say is
``None`` (the E2B file then carries a nullFlavor, the declaration says "à compléter").
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import UTC, datetime

from hygie.safety.export import (
    AgeGroup,
    Declaration,
    Drug,
    DrugRole,
    IcsrCase,
    Outcome,
    Patient,
    Qualification,
    Reaction,
    Reporter,
    Sender,
    SenderType,
    Seriousness,
    Sex,
    SourceMessage,
    SpecialSituation,
    build_icsr,
    cases_csv,
    crpv_declaration,
)
from hygie.safety.models import AgeGroup as CaseAgeGroup
from hygie.safety.models import (
    FollowUp,
    FollowUpOutcome,
    SafetyCase,
)
from hygie.safety.models import ProductRole as CaseProductRole
from hygie.safety.models import ReactionOutcome as CaseOutcome
from hygie.safety.models import ReporterQualification as CaseQualification
from hygie.safety.models import Sex as CaseSex
from hygie.safety.snapshot import parse_time

QUALIFICATION = {
    CaseQualification.CONSUMER: Qualification.CONSUMER,
    CaseQualification.PHARMACIST: Qualification.PHARMACIST,
    CaseQualification.PHYSICIAN: Qualification.PHYSICIAN,
    CaseQualification.OTHER_HP: Qualification.OTHER_HEALTH_PROFESSIONAL,
}
SEX = {CaseSex.FEMALE: Sex.FEMALE, CaseSex.MALE: Sex.MALE}
AGE_GROUP = {
    CaseAgeGroup.NEONATE: AgeGroup.NEONATE,
    CaseAgeGroup.INFANT: AgeGroup.INFANT,
    CaseAgeGroup.CHILD: AgeGroup.CHILD,
    CaseAgeGroup.ADOLESCENT: AgeGroup.ADOLESCENT,
    CaseAgeGroup.ADULT: AgeGroup.ADULT,
    CaseAgeGroup.ELDERLY: AgeGroup.ELDERLY,
}
ROLE = {
    CaseProductRole.SUSPECT: DrugRole.SUSPECT,
    CaseProductRole.CONCOMITANT: DrugRole.CONCOMITANT,
    CaseProductRole.INTERACTING: DrugRole.INTERACTING,
}
OUTCOME = {
    CaseOutcome.RECOVERED: Outcome.RECOVERED,
    CaseOutcome.RECOVERING: Outcome.RECOVERING,
    CaseOutcome.NOT_RECOVERED: Outcome.NOT_RECOVERED,
    CaseOutcome.RECOVERED_WITH_SEQUELAE: Outcome.RECOVERED_WITH_SEQUELAE,
    CaseOutcome.FATAL: Outcome.FATAL,
    CaseOutcome.UNKNOWN: Outcome.UNKNOWN,
}
# The triage's names of special situations (``hygie.nlp.types``) → the export's.
SITUATION = {
    "pregnancy": SpecialSituation.PREGNANCY,
    "breastfeeding": SpecialSituation.BREASTFEEDING,
    "child": SpecialSituation.PAEDIATRIC_USE,
    "overdose": SpecialSituation.OVERDOSE,
    "misuse": SpecialSituation.MISUSE,
    "medication_error": SpecialSituation.MEDICATION_ERROR,
    "off_label": SpecialSituation.OFF_LABEL_USE,
    "lack_of_efficacy": SpecialSituation.LACK_OF_EFFICACY,
}
NETWORKS = {
    "facebook_page": "Facebook",
    "instagram": "Instagram",
    "linkedin_org": "LinkedIn",
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "google_business": "Google Business Profile",
    "whatsapp": "WhatsApp",
    "matrix": "Matrix",
    "email": "E-mail",
}
KINDS = {
    "comment": "comment",
    "mention": "mention",
    "direct_message": "direct message",
    "review": "review",
}


def _follow_up_line(f: FollowUp) -> str:
    return (
        f"{f.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC, {f.get_channel_display()} "
        f"({f.get_outcome_display()}): {f.text}"
    )


def _language(case: SafetyCase) -> str:
    lang = str(case.triage.get("lang") or "fr")
    return lang if lang in ("fr", "en") else "fr"


def icsr_case(case: SafetyCase, *, now: datetime | None = None) -> IcsrCase:
    """Everything the exports need of ``case`` (read its follow-ups and criteria once)."""
    org = case.organization
    snap = case.source_snapshot
    lang = _language(case)
    follow_ups = list(case.follow_ups.all())
    answered = [f.at for f in follow_ups if f.outcome == FollowUpOutcome.ANSWERED]
    patient_row = next((c for c in case.criteria.all() if c.criterion == "patient"), None)
    described = ""
    if patient_row is not None:
        described = patient_row.note or "; ".join(e["text"] for e in patient_row.evidence)
    handle = str(snap.get("author_handle") or snap.get("author_name") or "") or None
    situations = [SITUATION[s] for s in case.special_situations if s in SITUATION]
    if case.quality_complaint:
        situations.append(SpecialSituation.QUALITY_DEFECT)
    assessed = case.seriousness_assessed_at is not None
    country = case.reporter_country or "FR"
    # Times in the organisation's zone: the declaration prints them as they are.
    tz = zoneinfo.ZoneInfo(org.timezone)
    posted = parse_time(snap.get("received_at"))
    return IcsrCase(
        safety_report_id=case.reference,
        worldwide_case_id=f"{country}-{org.slug.upper()}-{case.reference}"[:100],
        day_zero=case.day_zero.astimezone(tz),
        sender=Sender(
            organisation=org.name,
            sender_type=(
                SenderType.HEALTH_PROFESSIONAL
                if org.is_pharmacy
                else SenderType.PHARMACEUTICAL_COMPANY
            ),
            department="Pharmacovigilance",
        ),
        source=SourceMessage(
            text=str(snap.get("text", "")),
            language=lang,
            network=NETWORKS.get(str(snap.get("network", "")), str(snap.get("network", ""))),
            kind=KINDS.get(str(snap.get("kind", ""))),
            channel=str(snap.get("channel", "")) or None,
            permalink=str(snap.get("permalink", "")) or None,
            author_handle=handle,
            published_at=posted.astimezone(tz) if posted is not None else None,
        ),
        reporter=Reporter(
            qualification=QUALIFICATION.get(
                CaseQualification(case.reporter_qualification), Qualification.CONSUMER
            ),
            country=country,
            handle=handle,
        ),
        patient=Patient(
            initials=case.patient_initials or None,
            reporter_relationship=described or None,
            sex=SEX.get(CaseSex(case.patient_sex)) if case.patient_sex else None,
            age_years=case.patient_age,
            age_group=(
                AGE_GROUP[CaseAgeGroup(case.patient_age_group)] if case.patient_age_group else None
            ),
            pregnant=case.patient_pregnant,
        ),
        drugs=tuple(
            Drug(
                name=str(p["name"]),
                role=ROLE.get(CaseProductRole(p.get("role") or "suspect"), DrugRole.SUSPECT),
                batch_number=str(p.get("batch") or "") or None,
            )
            for p in case.products
        ),
        reactions=tuple(
            Reaction(
                verbatim=str(r["text"]),
                language=lang,
                outcome=(
                    OUTCOME[CaseOutcome(r["outcome"])] if r.get("outcome") else Outcome.UNKNOWN
                ),
            )
            for r in case.reactions
        ),
        seriousness=Seriousness(
            death=case.serious_death,
            life_threatening=case.serious_life_threatening,
            hospitalisation=case.serious_hospitalisation,
            disabling=case.serious_disability,
            congenital_anomaly=case.serious_congenital_anomaly,
            other_medically_important=case.serious_other_medically_important,
        ),
        narrative=case.narrative,
        special_situations=tuple(dict.fromkeys(situations)),
        follow_ups=tuple(_follow_up_line(f) for f in follow_ups),
        documents_held=(f"Snapshot of the source message, SHA-256 {case.content_hash}",),
        version_date=now,
        most_recent_info=max(answered).astimezone(tz) if answered else None,
        expedited=case.serious if assessed else None,
        forward_before=case.due_at.astimezone(tz),
    )


def e2b_file(case: SafetyCase, *, now: datetime) -> bytes:
    """The case as an ICH E2B(R3) batch of one ICSR."""
    org = case.organization
    return build_icsr(
        icsr_case(case, now=now),
        batch_number=f"{case.reference}-{now.astimezone(UTC):%Y%m%d%H%M%S}",
        sender_id=f"HYGIE-{org.slug.upper()}"[:60],
        receiver_id="SAFETY-DEPARTMENT",
        created=now,
    )


def csv_file(cases: Iterable[SafetyCase]) -> str:
    return cases_csv([icsr_case(c) for c in cases])


def declaration(
    case: SafetyCase, *, pharmacist_name: str, region: str | None
) -> tuple[Declaration, str]:
    """The prefilled declaration for the regional centre, and a warning ("" when none)."""
    icsr = icsr_case(case)
    warning = ""
    try:
        found = crpv_declaration(
            icsr,
            pharmacy_name=case.organization.name,
            pharmacist_name=pharmacist_name,
            region=region or None,
        )
    except ValueError:
        warning = region or ""
        found = crpv_declaration(
            icsr, pharmacy_name=case.organization.name, pharmacist_name=pharmacist_name, region=None
        )
    return found, warning
