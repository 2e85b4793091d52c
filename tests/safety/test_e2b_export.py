"""The Django-free safety-case exports: ICH E2B(R3) XML, CSV and the French CRPV declaration.

Validation is real: ``validate_icsr`` runs lxml's XSD validator (through ``e2br3``) against
the ICH schema set shipped in ``hygie/safety/export/schemas``. Nothing here reads
``../shared``.

``data/FAERS2022Scenario1.xml`` is an unmodified copy of the U.S. FDA's "FDA ICSR XML
instance" example for its E2B(R3) technical specifications (scenario 1, postmarket report
with three drugs), sha256 0e91b61b…ef0032: a real instance written by someone else.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from importlib.resources import files
from pathlib import Path

import e2br3  # type: ignore[import-untyped]
import pytest

from hygie.safety.export import (
    PORTAL_URL,
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
    build_icsr_batch,
    cases_csv,
    check_case,
    compose_narrative,
    crpv_declaration,
    validate_icsr,
)
from hygie.safety.export.declaration import A_COMPLETER, region_name
from hygie.safety.export.e2b import hl7_ts

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


# ---------------------------------------------------------------------------- E2B(R3) XML


def test_a_case_with_only_the_four_minimum_criteria_validates_against_the_ich_schemas() -> None:
    case = minimal_case()
    assert check_case(case) == []
    assert validate_icsr(export(case)) == []


def test_a_full_case_with_drugs_reactions_all_seriousness_flags_and_pregnancy_validates() -> None:
    case = full_case()
    assert check_case(case) == []
    xml = export(case)
    assert validate_icsr(xml) == []

    icsr = e2br3.parse(xml).messages[0].icsr
    assert icsr.safety_report_id == "FR-LABOBETA-2025-000002"
    assert [d.product_name for d in icsr.drugs] == ["Levothyrox 75 µg", "Spasfon", "Doliprane"]
    assert [d.role.code for d in icsr.drugs] == ["1", "3", "2"]
    assert icsr.drugs[0].substances == ["lévothyroxine sodique"]
    assert icsr.drugs[0].dosages[0].text == "1 comprimé le matin à jeun"
    assert icsr.drugs[0].action_taken.code == "1"
    assert len(icsr.reactions) == 2
    for reaction in icsr.reactions:
        assert reaction.results_in_death is True
        assert reaction.life_threatening is True
        assert reaction.hospitalisation is True
        assert reaction.disabling is True
        assert reaction.congenital_anomaly is True
        assert reaction.other_medically_important is True
    assert icsr.reactions[0].meddra.code == "10033557"
    assert icsr.reactions[0].meddra.code_system_version == "27.1"
    assert icsr.reactions[0].start_date.raw == "20250220"
    assert icsr.patient.age.value == 31 and icsr.patient.age.unit == "a"
    assert icsr.patient.sex.code == "2"
    assert icsr.first_received_date.raw == "20250302101400+0100"
    assert icsr.most_recent_date.raw == "20250304"
    assert icsr.report_type.code == "1"
    assert icsr.primary_sources[0].qualification.code == "5"
    assert icsr.primary_sources[0].country.code == "FR"

    event = investigation(parse(xml))
    patient = one(event, ".//h:primaryRole")
    assert observation_value(patient, "22").get("value") == "20241220"  # D.6
    assert "The patient is reported to be pregnant." in event.findtext("h:text", "", NS)
    assert one(event, ".//h:productInstanceInstance/h:lotNumberText").text == "X4521B"
    title = one(event, "h:reference/h:document/h:title").text
    assert title == "Screenshot of the Facebook comment, 2025-03-02 10:15"


def test_unknown_values_become_null_flavors_and_unknown_codes_are_the_ich_unknown_code() -> None:
    event = investigation(parse(export(minimal_case())))
    player = one(event, ".//h:primaryRole/h:player1")
    assert attr(player, "h:name", "nullFlavor") == "UNK"  # D.1
    assert attr(player, "h:administrativeGenderCode", "nullFlavor") == "UNK"  # D.5
    name = one(event, ".//h:assignedPerson/h:name")
    assert [(p.tag.split("}")[1], p.get("nullFlavor")) for p in name] == [
        ("given", "UNK"),
        ("family", "UNK"),
    ]
    reaction = one(event, ".//h:primaryRole/h:subjectOf2/h:observation")
    for code in ("34", "21", "33", "35", "12", "26"):  # seriousness: only true or NI
        value = observation_value(reaction, code)
        assert value.get("nullFlavor") == "NI" and value.get("value") is None
    assert observation_value(reaction, "27").get("code") == "0"  # E.i.7 outcome unknown
    meddra = one(reaction, "h:value")
    assert meddra.get("code") is None and meddra.get("nullFlavor") is None
    assert observation_value(event, "23").get("nullFlavor") == "NI"  # C.1.7
    assert attr(event, ".//h:inboundRelationship[@typeCode='CAUS']/h:act/h:code", "code") == "0"
    assert event.find(".//h:primaryRole/h:subjectOf2/h:observation/h:code[@code='3']", NS) is None

    masked = replace(
        minimal_case(),
        patient=Patient(initials="ML", name_withheld=True),
        reporter=Reporter(given_name="Marie", name_withheld=True),
    )
    masked_event = investigation(parse(export(masked)))
    assert attr(masked_event, ".//h:player1/h:name", "nullFlavor") == "MSK"
    assert b"Marie" not in export(masked)


def test_the_verbatim_reaction_text_and_the_narrative_survive_a_round_trip() -> None:
    case = full_case()
    xml = export(case)
    event = investigation(parse(xml))

    summary = observation_value(event, "36")  # H.5.r.1a/b
    assert summary.text == SOURCE_TEXT
    assert summary.get("language") == "fra"
    narrative = event.findtext("h:text", "", NS)  # H.1
    assert narrative == compose_narrative(case)
    assert case.narrative in narrative
    assert SOURCE_TEXT in narrative
    assert f"Permalink: {case.source.permalink}" in narrative
    assert case.follow_ups[0] in narrative

    icsr = e2br3.parse(xml).messages[0].icsr
    assert [r.native_term for r in icsr.reactions] == ["palpitations", "un « malaise » le soir"]
    assert {r.native_language for r in icsr.reactions} == {"fra"}
    assert icsr.reactions[0].translated_term == "palpitations"
    assert icsr.narrative == narrative


def test_characters_xml_cannot_carry_are_dropped_and_line_ends_are_normalised() -> None:
    text = "ligne 1\r\nligne 2\rligne 3\x00\x07 fin\ttab"
    case = replace(minimal_case(), source=replace(minimal_case().source, text=text))
    xml = export(case)
    assert validate_icsr(xml) == []
    assert observation_value(investigation(parse(xml)), "36").text == (
        "ligne 1\nligne 2\nligne 3 fin\ttab"
    )


def test_identical_inputs_give_byte_identical_output() -> None:
    first = export(full_case())
    assert first == export(full_case())
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<MCCI_IN200100UV01')
    first.decode("utf-8")  # UTF-8 throughout
    assert "Levothyrox 75 µg".encode() in first

    def reference_ids(xml: bytes) -> set[str | None]:
        return {
            e.get("root") for e in parse(xml).iter(f"{{{NS['h']}}}id") if e.get("extension") is None
        }

    other = export(replace(full_case(), safety_report_id="FR-LABOBETA-2025-000003"))
    ids = reference_ids(first)
    assert len(ids) == 5  # two reactions, three drugs
    assert not ids & reference_ids(other)  # derived from the case reference, not random


def test_the_batch_wrapper_carries_the_routing_identifiers_and_ich_oids() -> None:
    root = parse(export(full_case(), batch_number="B-77", sender_id="LABOBETA", receiver_id="EV"))
    assert root.tag == "{urn:hl7-org:v3}MCCI_IN200100UV01"
    assert root.get("ITSVersion") == "XML_1.0"
    assert one(root, "h:id").attrib == {
        "extension": "B-77",
        "root": "2.16.840.1.113883.3.989.2.1.3.22",
    }
    assert attr(root, "h:creationTime", "value") == "20250303093000+0000"
    assert attr(root, "h:name", "codeSystem") == "2.16.840.1.113883.3.989.2.1.1.1"
    assert attr(root, "h:sender/h:device/h:id", "root") == "2.16.840.1.113883.3.989.2.1.3.13"
    assert attr(root, "h:receiver/h:device/h:id", "root") == "2.16.840.1.113883.3.989.2.1.3.14"
    message = one(root, "h:PORR_IN049016UV")
    assert attr(message, "h:id", "extension") == "B-77-1"
    assert attr(message, "h:receiver/h:device/h:id", "extension") == "EV"
    assert attr(message, "h:controlActProcess/h:effectiveTime", "value") == "20250304080000+0000"
    event = investigation(root)
    roots = [i.get("root") for i in event.findall("h:id", NS)]
    assert roots == ["2.16.840.1.113883.3.989.2.1.3.1", "2.16.840.1.113883.3.989.2.1.3.2"]

    batch = build_icsr_batch(
        (minimal_case(), full_case()),
        batch_number="B-78",
        sender_id="LABOBETA",
        receiver_id="EV",
        created=CREATED,
    )
    assert validate_icsr(batch) == []
    assert len(e2br3.parse(batch).messages) == 2


def test_drug_roles_point_at_their_drugs_and_special_situations_go_to_suspect_drugs() -> None:
    event = investigation(parse(export(full_case())))
    drugs = event.findall(".//h:organizer/h:component/h:substanceAdministration", NS)
    drug_ids = [attr(d, "h:id", "root") for d in drugs]
    roles = {
        attr(a, "h:subject2/h:productUseReference/h:id", "root"): attr(a, "h:value", "code")
        for a in event.findall(".//h:causalityAssessment", NS)
    }
    assert roles == dict(zip(drug_ids, ["1", "3", "2"], strict=True))

    def additional_codes(drug: ET.Element) -> list[str | None]:
        return [
            attr(o, "h:value", "code")
            for o in drug.findall("h:outboundRelationship2[@typeCode='REFR']/h:observation", NS)
            if attr(o, "h:code", "code") == "9"
        ]

    # G.k.10.r: overdose = 2, off-label use = 11; pregnancy has no ICH code (narrative).
    assert additional_codes(drugs[0]) == ["2", "11"]
    assert additional_codes(drugs[1]) == ["2", "11"]
    assert additional_codes(drugs[2]) == []


def test_a_datetime_without_a_time_zone_is_refused() -> None:
    naive = replace(minimal_case(), day_zero=datetime(2025, 3, 2, 10, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="time zone"):
        export(naive)
    assert "day zero has no time zone" in check_case(naive)
    assert hl7_ts(date(2025, 1, 9)) == "20250109"


# ---------------------------------------------------------------------------- validation


def test_the_validator_accepts_a_real_fda_instance_and_rejects_it_once_broken() -> None:
    real = (DATA / "FAERS2022Scenario1.xml").read_bytes()
    assert validate_icsr(real) == []

    broken = real.replace(b'<code code="PAT_ADV_EVNT" codeSystem="2.16.840.1.113883.5.4"/>', b"")
    assert broken != real
    errors = validate_icsr(broken)
    assert errors and any(
        "'{urn:hl7-org:v3}text': This element is not expected" in e for e in errors
    )


def test_validate_icsr_reports_an_error_for_a_document_missing_a_mandatory_element() -> None:
    xml = export(minimal_case())
    without_creation_time = xml.replace(b'  <creationTime value="20250303093000+0000" />\n', b"", 1)
    assert without_creation_time != xml
    assert validate_icsr(without_creation_time) == [
        "line 4, column 0: Element '{urn:hl7-org:v3}responseModeCode': This element is not "
        "expected. Expected is ( {urn:hl7-org:v3}creationTime )."
    ]
    unknown = xml.replace(b"<statusCode", b"<bogus />\n<statusCode", 1)
    assert any(
        "'{urn:hl7-org:v3}bogus': This element is not expected" in e for e in validate_icsr(unknown)
    )


def test_validate_icsr_reports_bad_xml_instead_of_raising() -> None:
    assert validate_icsr(b"<MCCI_IN200100UV01")[0].startswith("line 1, column 19: not well-formed")
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><MCCI_IN200100UV01/>'
    assert validate_icsr(doctype) == ["line 1: DOCTYPE/DTD not allowed in E2B(R3) XML; refused"]


def test_validate_icsr_wants_the_batch_wrapper_not_a_lone_message() -> None:
    text = export(minimal_case()).decode()
    start, end = text.index("<PORR_IN049016UV>"), text.index("</PORR_IN049016UV>")
    lone = text[start:end] + "</PORR_IN049016UV>"
    lone = lone.replace(
        "<PORR_IN049016UV>",
        '<PORR_IN049016UV xmlns="urn:hl7-org:v3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ITSVersion="XML_1.0">',
        1,
    )
    assert validate_icsr(lone.encode()) == [
        "line 1: root element is 'PORR_IN049016UV', expected 'MCCI_IN200100UV01'"
    ]


def test_the_schema_set_ships_in_the_package_with_its_notice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schemas = files("hygie.safety.export") / "schemas"
    assert (schemas / "multicacheschemas" / "MCCI_IN200100UV01.xsd").is_file()
    assert (schemas / "coreschemas" / "datatypes-base.xsd").is_file()
    notice = (schemas / "NOTICE.md").read_text(encoding="utf-8")
    assert "Health Level Seven" in notice
    # The environment cannot redirect validation elsewhere: the shipped set is always used.
    monkeypatch.setenv("E2BR3_SCHEMA_DIR", "/nonexistent")
    assert validate_icsr(export(minimal_case())) == []


def test_check_case_lists_the_missing_minimum_criteria() -> None:
    empty = IcsrCase(
        safety_report_id="FR-X-1",
        day_zero=date(2025, 3, 2),
        sender=Sender(organisation="Laboratoire Bêta"),
        source=SourceMessage(text="j'ai mal"),
        drugs=(Drug(name="Doliprane", role=DrugRole.CONCOMITANT),),
    )
    problems = check_case(empty)
    for criterion in ("(a)", "(b)", "(c)", "(d)"):
        assert any(criterion in p for p in problems), criterion
    assert validate_icsr(export(empty)) == []  # still schema-valid: the XSD cannot tell


def test_check_case_flags_ich_length_limits_codes_and_dates() -> None:
    case = replace(
        full_case(),
        drugs=(Drug(name="Levothyrox", batch_number="L" * 36),),
        reactions=(
            Reaction(verbatim="x" * 251, meddra_code="10033557"),
            Reaction(verbatim="y", meddra_code="palpit", meddra_version="27.1", language="xx"),
        ),
        most_recent_info=date(2025, 3, 1),
    )
    problems = check_case(case)
    assert "G.k.4.r.7: drug 1 batch number is 36 characters, ICH allows 35" in problems
    assert "E.i.1.1a: reaction 1 verbatim is 251 characters, ICH allows 250" in problems
    assert "E.i.2.1a: reaction 1 MedDRA code without MedDRA version" in problems
    assert "E.i.2.1b: reaction 2 MedDRA code is not 8 digits" in problems
    assert "reaction 2: language 'xx' is not an ISO 639-2 code" in problems
    assert "C.1.5: most recent information date is before day zero (C.1.4)" in problems


def test_the_export_package_imports_without_django() -> None:
    code = (
        "import sys, hygie.safety.export as e; "
        "e.cases_csv([]); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ---------------------------------------------------------------------------- CSV


def test_the_csv_has_a_header_and_one_row_per_case_with_rfc_4180_quoting() -> None:
    text = cases_csv([minimal_case(), full_case()])
    assert text.startswith("reference,worldwide_case_id,")
    assert text.count("\r\n") >= 3 and "\r\n" in text.splitlines(keepends=True)[0]
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["reference"] for r in rows] == ["FR-LABOBETA-2025-000001", "FR-LABOBETA-2025-000002"]
    full = rows[1]
    assert full["source_text"] == SOURCE_TEXT  # quotes doubled, newline kept, emoji intact
    assert 'et un ""malaise"" <le soir>' in text
    assert full["serious"] == "yes"
    assert full["seriousness_criteria"].startswith("death; life threatening")
    assert full["suspect_products"].startswith(
        "Levothyrox 75 µg (lévothyroxine sodique), lot X4521B"
    )
    assert "Spasfon" in full["suspect_products"]
    assert full["other_products"] == "Doliprane, dose 1 g si besoin [concomitant]"
    assert full["reactions_verbatim"] == (
        "palpitations [fra] MedDRA 10033557; un « malaise » le soir [fra]"
    )
    assert full["special_situations"] == "pregnancy; overdose; off label use"
    assert full["pregnant"] == "yes"
    assert full["day_zero"] == "2025-03-02T10:14:00+01:00"
    assert full["source_permalink"] == "https://www.facebook.com/labobeta/posts/9/?comment_id=42"
    assert rows[0]["serious"] == "no" and rows[0]["pregnant"] == ""
    assert cases_csv([]) == text.splitlines(keepends=True)[0]


def test_csv_cells_that_a_spreadsheet_would_run_as_a_formula_are_neutralised() -> None:
    hostile = replace(
        minimal_case(),
        source=replace(minimal_case().source, text='=HYPERLINK("http://evil.example","clic")'),
        drugs=(Drug(name="+cmd|' /C calc'!A0"), Drug(name="-2+3", role=DrugRole.CONCOMITANT)),
        reactions=(Reaction(verbatim="@SUM(A1:A9)"),),
        reporter=Reporter(handle="@marie"),
    )
    row = next(csv.DictReader(io.StringIO(cases_csv([hostile]), newline="")))
    assert row["source_text"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert row["suspect_products"] == "'+cmd|' /C calc'!A0"
    assert row["other_products"] == "'-2+3 [concomitant]"
    assert row["reactions_verbatim"] == "'@SUM(A1:A9) [fra]"
    assert row["reporter_handle"] == "'@marie"
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row.values())


def test_the_regulatory_due_date_is_15_days_when_serious_and_90_otherwise() -> None:
    assert minimal_case().regulatory_due_date() == date(2025, 5, 31)
    assert full_case().regulatory_due_date() == date(2025, 3, 17)
    one_serious_reaction = replace(
        minimal_case(),
        reactions=(Reaction(verbatim="malaise", seriousness=Seriousness(hospitalisation=True)),),
    )
    assert one_serious_reaction.is_serious
    assert one_serious_reaction.regulatory_due_date() == date(2025, 3, 17)


# ---------------------------------------------------------------------------- CRPV


def test_the_crpv_declaration_lists_the_missing_required_fields() -> None:
    declaration = crpv_declaration(
        minimal_case(), pharmacy_name="Pharmacie Alpha", pharmacist_name="", region=None
    )
    missing = declaration.missing_fields()
    assert missing == [
        "Déclarant — Nom du pharmacien",
        "Déclarant — Région",
        "Patient — Initiales",
        "Patient — Sexe",
        "Patient — Âge",
        "Médicament(s) suspect(s) — Médicament 1 — posologie",
        "Médicament(s) suspect(s) — Médicament 1 — indication",
        "Effet(s) indésirable(s) — Effet 1 — date de début",
        "Effet(s) indésirable(s) — Effet 1 — évolution",
    ]
    text = declaration.as_text()
    assert f"Nom du pharmacien : {A_COMPLETER}" in text
    assert f"Champs à compléter : {len(missing)}" in text

    nothing = replace(minimal_case(), drugs=(), reactions=())
    missing = crpv_declaration(
        nothing, pharmacy_name="Pharmacie Alpha", pharmacist_name="Alice", region="bretagne"
    ).missing_fields()
    assert "Médicament(s) suspect(s) — Médicament suspect" in missing
    assert "Effet(s) indésirable(s) — Effet indésirable" in missing


def test_a_complete_case_gives_a_french_declaration_with_nothing_missing() -> None:
    declaration = crpv_declaration(
        full_case(),
        pharmacy_name="Pharmacie Alpha",
        pharmacist_name="Alice Martin",
        region="Île-de-France",
    )
    assert declaration.missing_fields() == []
    assert declaration.region == "Île-de-France"
    assert declaration.portal_url == PORTAL_URL == "https://www.signalement-sante.gouv.fr"
    titles = [s.title for s in declaration.sections]
    assert titles == [
        "Déclarant",
        "Patient",
        "Médicament(s) suspect(s)",
        "Effet(s) indésirable(s)",
        "Gravité",
        "Chronologie",
        "Texte source",
    ]
    text = declaration.as_text()
    assert f"À déclarer sur : {PORTAL_URL}" in text
    assert "Sexe : Femme" in text
    assert "Âge : 31 ans" in text
    assert "Poids : 61,5 kg" in text
    assert "Grossesse en cours : Oui" in text
    assert "Médicament 1 — numéro de lot : X4521B" in text
    assert "Médicament 1 — mesure prise : Arrêt du médicament" in text
    assert "Médicament 2 — rôle : interaction" in text
    assert "Autres médicaments pris : Doliprane (concomitant)" in text
    assert "Effet 2 — description (termes du patient) : un « malaise » le soir" in text
    assert "Effet 1 — évolution : En cours de guérison" in text
    assert "Effet grave : Oui" in text
    assert "Mise en jeu du pronostic vital" in text
    assert "Date de connaissance du cas (J0) : 02/03/2025 10:14" in text
    assert "Situations particulières : grossesse; surdosage; utilisation hors AMM" in text
    # The source text is kept verbatim, continuation lines indented.
    first, second = SOURCE_TEXT.split("\n")
    assert f"Texte du message (verbatim) : {first}\n    {second}\n" in text


def test_regions_are_matched_loosely_and_an_unknown_region_is_refused() -> None:
    assert region_name("ile de france") == "Île-de-France"
    assert region_name("PROVENCE-ALPES-CÔTE D'AZUR") == "Provence-Alpes-Côte d'Azur"
    assert region_name("Réunion") == "La Réunion"
    with pytest.raises(ValueError, match="région inconnue"):
        crpv_declaration(minimal_case(), pharmacy_name="P", pharmacist_name="A", region="Gondor")
