"""The Django-free safety-case exports: XSD validation against the ICH schemas and case checks."""

# data/FAERS2022Scenario1.xml is an unmodified copy of the U.S. FDA's "FDA ICSR XML instance"
# example for its E2B(R3) technical specifications (scenario 1, postmarket report with three
# drugs), sha256 0e91b61b…ef0032: a real instance written by someone else.

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from importlib.resources import files

import pytest
from tests.safety.e2b_helpers import (
    DATA,
    export,
    full_case,
    minimal_case,
)

from hygie.safety.export import (
    Drug,
    DrugRole,
    IcsrCase,
    Reaction,
    Sender,
    SourceMessage,
    check_case,
    validate_icsr,
)

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
