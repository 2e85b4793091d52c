"""The Django-free safety-case exports: the ICH E2B(R3) XML.

Validation and case checks are in test_e2b_validation.py, the CSV and the French CRPV
declaration in test_e2b_csv_crpv.py; shared cases are in e2b_helpers.py.

Validation is real: ``validate_icsr`` runs lxml's XSD validator (through ``e2br3``) against
the ICH schema set shipped in ``hygie/safety/export/schemas``. Nothing here reads
``../shared``.

``data/FAERS2022Scenario1.xml`` is an unmodified copy of the U.S. FDA's "FDA ICSR XML
instance" example for its E2B(R3) technical specifications (scenario 1, postmarket report
with three drugs), sha256 0e91b61b…ef0032: a real instance written by someone else.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, datetime

import e2br3  # type: ignore[import-untyped]
import pytest
from tests.safety.e2b_helpers import (
    CREATED,
    NS,
    SOURCE_TEXT,
    attr,
    export,
    full_case,
    investigation,
    minimal_case,
    observation_value,
    one,
    parse,
)

from hygie.safety.export import (
    Patient,
    Reporter,
    build_icsr_batch,
    check_case,
    compose_narrative,
    validate_icsr,
)
from hygie.safety.export.e2b import hl7_ts

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
