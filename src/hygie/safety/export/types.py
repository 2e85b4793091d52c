"""What a safety-case export needs, as plain frozen dataclasses (no Django).

A Django model is mapped onto :class:`IcsrCase` once, and every export (ICH E2B(R3) XML,
CSV, French CRPV declaration) reads only these types. The field comments name the ICH
E2B(R3) data element each value ends up in.

Never invent data: every optional field is ``None`` (or empty) when the source does not say
it, and the E2B(R3) builder turns that into a ``nullFlavor`` or leaves the element out.

Codes and languages:

* countries are ISO 3166-1 alpha-2 (``"FR"``);
* languages are ISO 639-2 alpha-3 (``"fra"``), as E2B(R3) wants; the usual two-letter
  codes (``"fr"``) are accepted and converted by :func:`iso639_2`;
* enum values are the ICH E2B(R3) code-list codes themselves, so ``member.value`` is what
  the XML carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

__all__ = [
    "ActionTaken",
    "AgeGroup",
    "Drug",
    "DrugRole",
    "IcsrCase",
    "Outcome",
    "Patient",
    "Qualification",
    "Reaction",
    "ReportType",
    "Reporter",
    "Sender",
    "SenderType",
    "Seriousness",
    "Sex",
    "SourceMessage",
    "SpecialSituation",
    "iso639_2",
]


class ReportType(Enum):
    """C.1.3 Type of report (ICH code list 2.16.840.1.113883.3.989.2.1.1.2).

    Unsolicited reports found on social media are spontaneous reports (GVP VI.B.1.1.4).
    """

    SPONTANEOUS = "1"
    STUDY = "2"
    OTHER = "3"
    NOT_AVAILABLE_TO_SENDER = "4"


class Qualification(Enum):
    """C.2.r.4 Qualification of the primary source (code list ...1.1.6)."""

    PHYSICIAN = "1"
    PHARMACIST = "2"
    OTHER_HEALTH_PROFESSIONAL = "3"
    LAWYER = "4"
    CONSUMER = "5"  # consumer or other non-health professional (the default per GVP VI)


class SenderType(Enum):
    """C.3.1 Sender type (code list ...1.1.7)."""

    PHARMACEUTICAL_COMPANY = "1"
    REGULATORY_AUTHORITY = "2"
    HEALTH_PROFESSIONAL = "3"
    REGIONAL_PHARMACOVIGILANCE_CENTRE = "4"
    WHO_COLLABORATING_CENTRE = "5"
    OTHER = "6"
    PATIENT_CONSUMER = "7"


class Sex(Enum):
    """D.5 Sex (ISO 5218). Unknown is ``None`` on :class:`Patient`, sent as nullFlavor UNK."""

    MALE = "1"
    FEMALE = "2"


class AgeGroup(Enum):
    """D.2.3 Patient age group as per reporter (code list ...1.1.9)."""

    FOETUS = "0"
    NEONATE = "1"
    INFANT = "2"
    CHILD = "3"
    ADOLESCENT = "4"
    ADULT = "5"
    ELDERLY = "6"


class DrugRole(Enum):
    """G.k.1 Characterisation of drug role (code list ...1.1.13)."""

    SUSPECT = "1"
    CONCOMITANT = "2"
    INTERACTING = "3"
    NOT_ADMINISTERED = "4"


class ActionTaken(Enum):
    """G.k.8 Action(s) taken with drug (code list ...1.1.15)."""

    WITHDRAWN = "1"
    DOSE_REDUCED = "2"
    DOSE_INCREASED = "3"
    DOSE_NOT_CHANGED = "4"
    UNKNOWN = "0"
    NOT_APPLICABLE = "9"


class Outcome(Enum):
    """E.i.7 Outcome of reaction at the time of last observation (code list ...1.1.11)."""

    UNKNOWN = "0"
    RECOVERED = "1"
    RECOVERING = "2"
    NOT_RECOVERED = "3"
    RECOVERED_WITH_SEQUELAE = "4"
    FATAL = "5"


class SpecialSituation(Enum):
    """Special situations collected even without a reaction (GVP VI.A, VI.B.3; rule PV-09).

    The value is a stable slug. Those with an ICH code in G.k.10.r (code list ...1.1.17) are
    sent there, on every suspect or interacting drug (see :attr:`ich_code`); the others are
    written into the case narrative.
    """

    PREGNANCY = "pregnancy"
    BREASTFEEDING = "breastfeeding"
    PAEDIATRIC_USE = "paediatric_use"
    ELDERLY_USE = "elderly_use"
    OVERDOSE = "overdose"
    ABUSE = "abuse"
    MISUSE = "misuse"
    MEDICATION_ERROR = "medication_error"
    OFF_LABEL_USE = "off_label_use"
    OCCUPATIONAL_EXPOSURE = "occupational_exposure"
    LACK_OF_EFFICACY = "lack_of_efficacy"
    QUALITY_DEFECT = "quality_defect"
    COUNTERFEIT = "counterfeit"
    EXPIRED_PRODUCT = "expired_product"

    @property
    def ich_code(self) -> str | None:
        """The G.k.10.r "additional information on drug (coded)" code, if ICH has one."""
        return _G_K_10_CODES.get(self)

    @property
    def label(self) -> str:
        """Plain English label, for narratives and the CSV."""
        return self.value.replace("_", " ")


_G_K_10_CODES: dict[SpecialSituation, str] = {
    SpecialSituation.COUNTERFEIT: "1",
    SpecialSituation.OVERDOSE: "2",
    SpecialSituation.EXPIRED_PRODUCT: "4",  # "drug taken beyond expiry date"
    SpecialSituation.MEDICATION_ERROR: "7",
    SpecialSituation.MISUSE: "8",
    SpecialSituation.ABUSE: "9",
    SpecialSituation.OCCUPATIONAL_EXPOSURE: "10",
    SpecialSituation.OFF_LABEL_USE: "11",
}

_ISO_639_1_TO_2: dict[str, str] = {
    "fr": "fra",
    "en": "eng",
    "de": "deu",
    "es": "spa",
    "it": "ita",
    "nl": "nld",
    "pt": "por",
    "ar": "ara",
    "tr": "tur",
    "pl": "pol",
    "ro": "ron",
    "ru": "rus",
    "zh": "zho",
    "ja": "jpn",
}


def iso639_2(code: str) -> str:
    """``"fr"`` → ``"fra"``; a three-letter code is returned lower-cased, unchanged.

    Raises ``ValueError`` for a two-letter code this small table does not know, rather
    than guessing.
    """
    lowered = code.strip().lower()
    if len(lowered) == 3 and lowered.isalpha():
        return lowered
    if lowered in _ISO_639_1_TO_2:
        return _ISO_639_1_TO_2[lowered]
    raise ValueError(f"not an ISO 639-2 language code: {code!r}")


@dataclass(frozen=True)
class Seriousness:
    """E.i.3.2a–f seriousness criteria. ``False`` is sent as nullFlavor NI: the ICH IG
    allows only ``true`` or NI for these elements."""

    death: bool = False
    life_threatening: bool = False
    hospitalisation: bool = False  # caused or prolonged in-patient hospitalisation
    disabling: bool = False
    congenital_anomaly: bool = False
    other_medically_important: bool = False

    @property
    def is_serious(self) -> bool:
        return any(self.criteria())

    def criteria(self) -> list[str]:
        """Names of the criteria that are met, in E2B order."""
        return [
            name
            for name, flag in (
                ("death", self.death),
                ("life threatening", self.life_threatening),
                ("hospitalisation", self.hospitalisation),
                ("disabling", self.disabling),
                ("congenital anomaly", self.congenital_anomaly),
                ("other medically important", self.other_medically_important),
            )
            if flag
        ]


@dataclass(frozen=True)
class Sender:
    """C.3 Information on the sender of the case (the organisation using Hygie)."""

    organisation: str  # C.3.2
    sender_type: SenderType = SenderType.PHARMACEUTICAL_COMPANY  # C.3.1
    department: str | None = None  # C.3.3.1, e.g. "Pharmacovigilance"
    given_name: str | None = None  # C.3.3.3
    family_name: str | None = None  # C.3.3.5
    street: str | None = None  # C.3.4.1
    city: str | None = None  # C.3.4.2
    postcode: str | None = None  # C.3.4.4
    country: str = "FR"  # C.3.4.5
    phone: str | None = None  # C.3.4.6
    email: str | None = None  # C.3.4.8


@dataclass(frozen=True)
class Reporter:
    """C.2.r The primary source: on social media, usually the author of the message.

    Name parts are sent only when the person gave them; a network handle is not a name, so
    it is kept in :attr:`handle` and written into the narrative, and the name parts go out
    as nullFlavor UNK (or MSK when :attr:`name_withheld`).
    """

    qualification: Qualification = Qualification.CONSUMER  # C.2.r.4
    country: str = "FR"  # C.2.r.3
    title: str | None = None  # C.2.r.1.1
    given_name: str | None = None  # C.2.r.1.2
    family_name: str | None = None  # C.2.r.1.4
    organisation: str | None = None  # C.2.r.2.1, e.g. the pharmacy of a pharmacist reporter
    handle: str | None = None  # network handle, e.g. "@marie_l" (narrative only)
    name_withheld: bool = False  # known but not to be disclosed: nullFlavor MSK


@dataclass(frozen=True)
class Patient:
    """D Patient characteristics. Everything is optional: unknown is ``None``."""

    initials: str | None = None  # D.1 (initials or a pseudonym; None → nullFlavor UNK)
    name_withheld: bool = False  # D.1 known but masked for privacy → nullFlavor MSK
    reporter_relationship: str | None = None  # "self", "mother"... as written (narrative)
    sex: Sex | None = None  # D.5 (None → nullFlavor UNK)
    age_years: int | None = None  # D.2.2a/b, unit "a"
    age_group: AgeGroup | None = None  # D.2.3, when only "my teenage son" is known
    weight_kg: float | None = None  # D.3
    pregnant: bool | None = None  # no ICH element: narrative + special situation
    last_menstrual_period: date | None = None  # D.6
    medical_history: str | None = None  # D.7.2 free text


@dataclass(frozen=True)
class Drug:
    """G.k One medicinal product, as the primary source named it."""

    name: str  # G.k.2.2 medicinal product name as reported
    role: DrugRole = DrugRole.SUSPECT  # G.k.1
    active_substance: str | None = None  # G.k.2.3.r.1 (INN), when known
    dose_text: str | None = None  # G.k.4.r.8 dosage text, e.g. "75 µg le matin"
    batch_number: str | None = None  # G.k.4.r.7
    indication: str | None = None  # G.k.7.r.1 as reported
    action_taken: ActionTaken = ActionTaken.UNKNOWN  # G.k.8
    additional_info: str | None = None  # G.k.11 free text


@dataclass(frozen=True)
class Reaction:
    """E.i One reaction or event, in the reporter's own words."""

    verbatim: str  # E.i.1.1a reaction as reported, in the source language
    language: str = "fra"  # E.i.1.1b (ISO 639-2; "fr" accepted)
    translation: str | None = None  # E.i.1.2 reaction as reported, for translation
    meddra_code: str | None = None  # E.i.2.1b LLT code, when the safety team coded it
    meddra_version: str | None = None  # E.i.2.1a, required with meddra_code (e.g. "27.1")
    start_date: date | None = None  # E.i.4
    outcome: Outcome = Outcome.UNKNOWN  # E.i.7
    seriousness: Seriousness | None = None  # E.i.3.2 for this reaction; None → the case's


@dataclass(frozen=True)
class SourceMessage:
    """The social-media message the case comes from, snapshotted before any moderation.

    :attr:`text` is kept verbatim: it goes, unchanged, into H.5.r.1a (case summary in the
    reporter's language) and into the H.1 narrative. Characters that XML 1.0 cannot carry
    (C0 controls other than tab and line feeds) are dropped, and line ends become ``\\n``.
    """

    text: str
    language: str = "fra"  # H.5.r.1b (ISO 639-2; "fr" accepted)
    network: str | None = None  # "Facebook", "Instagram"...
    kind: str | None = None  # "comment", "direct message", "review"...
    channel: str | None = None  # the page or account it was posted on
    permalink: str | None = None
    author_handle: str | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class IcsrCase:
    """Everything an export of one safety case needs.

    The four GVP VI.B.2 minimum criteria map to :attr:`reporter` (identifiable reporter),
    :attr:`patient` (identifiable patient), at least one suspect or interacting
    :class:`Drug`, and at least one :class:`Reaction`.
    ``hygie.safety.export.validate.check_case`` lists what is missing.
    """

    safety_report_id: str  # C.1.1, e.g. "FR-LABOBETA-2025-000123"
    day_zero: date  # C.1.4 date first received (a datetime keeps the time and offset)
    sender: Sender  # C.3
    source: SourceMessage  # H.5.r, narrative, permalink
    reporter: Reporter = field(default_factory=Reporter)  # C.2.r (one, primary)
    patient: Patient = field(default_factory=Patient)  # D
    drugs: tuple[Drug, ...] = ()  # G.k
    reactions: tuple[Reaction, ...] = ()  # E.i
    seriousness: Seriousness = field(default_factory=Seriousness)  # E.i.3.2, all reactions
    narrative: str = ""  # H.1, written by the community manager or safety officer
    sender_comments: str | None = None  # H.4
    special_situations: tuple[SpecialSituation, ...] = ()
    follow_ups: tuple[str, ...] = ()  # each documented follow-up attempt (GVP VI.B.3)
    documents_held: tuple[str, ...] = ()  # C.1.6.1.r.1 titles, e.g. "Screenshot of the post"
    worldwide_case_id: str | None = None  # C.1.8.1; None → safety_report_id (first sender)
    report_type: ReportType = ReportType.SPONTANEOUS  # C.1.3
    version_date: datetime | None = None  # C.1.2 date of creation; None → build time
    most_recent_info: date | None = None  # C.1.5; None → day_zero (initial report)
    expedited: bool | None = None  # C.1.7 local criteria for expedited report; None → NI
    forward_before: datetime | None = None  # internal SLA to reach the safety team (PV-04)

    @property
    def is_serious(self) -> bool:
        """True when the case or any reaction meets a seriousness criterion."""
        return self.seriousness.is_serious or any(
            r.seriousness is not None and r.seriousness.is_serious for r in self.reactions
        )

    @property
    def suspect_drugs(self) -> tuple[Drug, ...]:
        return tuple(d for d in self.drugs if d.role in (DrugRole.SUSPECT, DrugRole.INTERACTING))

    def regulatory_due_date(self) -> date:
        """EU submission deadline from day zero: 15 calendar days if serious, else 90
        (Directive 2001/83/EC art. 107(3); GVP VI.B.7)."""
        start = self.day_zero.date() if isinstance(self.day_zero, datetime) else self.day_zero
        return start + timedelta(days=15 if self.is_serious else 90)
