"""Shared cases and XML helpers of the safety export tests (test_e2b_*.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from hygie.safety.export import (
    ActionTaken,
    AgeGroup,
    Drug,
    DrugRole,
    IcsrCase,
    Outcome,
    Patient,
    Qualification,
    Reaction,
    Reporter,
    Sender,
    Seriousness,
    Sex,
    SourceMessage,
    SpecialSituation,
    build_icsr,
)

DATA = Path(__file__).parent / "data"
NS = {"h": "urn:hl7-org:v3"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
PARIS = timezone(timedelta(hours=1))
CREATED = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
OBS = "2.16.840.1.113883.3.989.2.1.1.19"

SOURCE_TEXT = (
    "Depuis que je prends du Levothyrox j'ai des palpitations 😟\n"
    'et un "malaise" <le soir> & la nuit… Qu\'en pensez-vous ?'
)


def export(case: IcsrCase, **overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "batch_number": "LABOBETA-20250303-0001",
        "sender_id": "LABOBETA",
        "receiver_id": "PVTEAM",
        "created": CREATED,
    }
    arguments.update(overrides)
    return build_icsr(case, **arguments)  # type: ignore[arg-type]


def minimal_case() -> IcsrCase:
    """Only the four minimum criteria: reporter, patient, suspect drug, reaction."""
    return IcsrCase(
        safety_report_id="FR-LABOBETA-2025-000001",
        day_zero=date(2025, 3, 2),
        sender=Sender(organisation="Laboratoire Bêta"),
        source=SourceMessage(
            text="depuis que je prends du Levothyrox j'ai des palpitations",
            network="Facebook",
            permalink="https://www.facebook.com/labobeta/posts/1/?comment_id=2",
            author_handle="marie.l",
        ),
        reporter=Reporter(handle="marie.l"),
        patient=Patient(reporter_relationship="self"),
        drugs=(Drug(name="Levothyrox"),),
        reactions=(Reaction(verbatim="palpitations"),),
    )


def full_case() -> IcsrCase:
    return IcsrCase(
        safety_report_id="FR-LABOBETA-2025-000002",
        worldwide_case_id="FR-LABOBETA-2025-000002",
        day_zero=datetime(2025, 3, 2, 10, 14, tzinfo=PARIS),
        most_recent_info=date(2025, 3, 4),
        version_date=datetime(2025, 3, 4, 8, 0, tzinfo=UTC),
        forward_before=datetime(2025, 3, 3, 10, 14, tzinfo=PARIS),
        sender=Sender(
            organisation="Laboratoire Bêta",
            department="Pharmacovigilance",
            given_name="Claire",
            family_name="Martin",
            street="12 rue des Lilas",
            city="Lyon",
            postcode="69003",
            phone="+33 4 72 00 00 00",
            email="pharmacovigilance@labobeta.example",
        ),
        source=SourceMessage(
            text=SOURCE_TEXT,
            language="fr",
            network="Facebook",
            kind="comment",
            channel="Laboratoire Bêta (page)",
            permalink="https://www.facebook.com/labobeta/posts/9/?comment_id=42",
            author_handle="@marie_l",
            published_at=datetime(2025, 3, 2, 9, 58, tzinfo=PARIS),
        ),
        reporter=Reporter(
            qualification=Qualification.CONSUMER,
            given_name="Marie",
            family_name="L.",
            handle="@marie_l",
        ),
        patient=Patient(
            initials="ML",
            sex=Sex.FEMALE,
            age_years=31,
            age_group=AgeGroup.ADULT,
            weight_kg=61.5,
            pregnant=True,
            last_menstrual_period=date(2024, 12, 20),
            medical_history="hypothyroïdie depuis 2019",
            reporter_relationship="self",
        ),
        drugs=(
            Drug(
                name="Levothyrox 75 µg",
                active_substance="lévothyroxine sodique",
                dose_text="1 comprimé le matin à jeun",
                batch_number="X4521B",
                indication="hypothyroïdie",
                action_taken=ActionTaken.WITHDRAWN,
                additional_info="boîte entamée conservée par la patiente",
            ),
            Drug(
                name="Spasfon",
                role=DrugRole.INTERACTING,
                active_substance="phloroglucinol",
                dose_text="2 comprimés 3 fois par jour",
                indication="douleurs abdominales",
            ),
            Drug(name="Doliprane", role=DrugRole.CONCOMITANT, dose_text="1 g si besoin"),
        ),
        reactions=(
            Reaction(
                verbatim="palpitations",
                translation="palpitations",
                meddra_code="10033557",
                meddra_version="27.1",
                start_date=date(2025, 2, 20),
                outcome=Outcome.RECOVERING,
            ),
            Reaction(
                verbatim="un « malaise » le soir",
                start_date=date(2025, 2, 27),
                outcome=Outcome.NOT_RECOVERED,
            ),
        ),
        seriousness=Seriousness(
            death=True,
            life_threatening=True,
            hospitalisation=True,
            disabling=True,
            congenital_anomaly=True,
            other_medically_important=True,
        ),
        narrative="A 31-year-old pregnant woman reported palpitations on Levothyrox.",
        sender_comments="Serious (all criteria ticked for the test).",
        special_situations=(
            SpecialSituation.PREGNANCY,
            SpecialSituation.OVERDOSE,
            SpecialSituation.OFF_LABEL_USE,
        ),
        follow_ups=("2025-03-02 11:05 private message sent asking for the batch number",),
        documents_held=("Screenshot of the Facebook comment, 2025-03-02 10:15",),
        expedited=True,
    )


def parse(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)  # noqa: S314 (our own output, built a line above)


def one(parent: ET.Element, path: str) -> ET.Element:
    found = parent.find(path, NS)
    assert found is not None, path
    return found


def attr(parent: ET.Element, path: str, name: str) -> str | None:
    return one(parent, path).get(name)


def investigation(root: ET.Element) -> ET.Element:
    return one(root, "h:PORR_IN049016UV/h:controlActProcess/h:subject/h:investigationEvent")


def observation_value(parent: ET.Element, code: str) -> ET.Element:
    """The value of the observation with ``code`` in ICH code list 19, under ``parent``."""
    for holder in parent:
        for obs in holder:
            code_el = obs.find("h:code", NS)
            if (
                code_el is not None
                and code_el.get("code") == code
                and code_el.get("codeSystem") == OBS
            ):
                return one(obs, "h:value")
    raise AssertionError(f"no observation {code}")
