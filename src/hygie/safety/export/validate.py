"""Checks before a safety case leaves Hygie.

* :func:`validate_icsr` checks E2B(R3) XML against the ICH ICSR XML schema set shipped
  in ``schemas/`` (read through :mod:`importlib.resources`, never from the network).
* :func:`check_case` checks what the XSD cannot see: the four GVP VI.B.2 minimum criteria,
  the ICH field lengths and codes, time zones.

Both return a list of human-readable problems; an empty list means "fine".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from importlib.resources import as_file, files

from hygie.safety.export.types import IcsrCase, iso639_2

__all__ = ["BATCH_ROOT", "check_case", "validate_icsr"]

BATCH_ROOT = "MCCI_IN200100UV01"

# Maximum lengths from the ICH E2B(R3) Implementation Guide data element definitions.
_MAX = {
    "C.1.1": 100,
    "C.1.8.1": 100,
    "D.1": 60,
    "E.i.1.1a": 250,
    "E.i.1.2": 250,
    "G.k.2.2": 250,
    "G.k.2.3.r.1": 250,
    "G.k.4.r.7": 35,
    "G.k.4.r.8": 2000,
    "G.k.7.r.1": 250,
    "H.1": 100_000,
    "H.4": 20_000,
    "H.5.r.1a": 100_000,
}
_MEDDRA_CODE = re.compile(r"\d{8}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def validate_icsr(xml: bytes) -> list[str]:
    """XSD-validate an ICH E2B(R3) ICSR batch (``MCCI_IN200100UV01``). ``[]`` = valid.

    Uses the ``e2br3`` package (lxml, no network, DTDs refused) with the schema set that
    ships inside this package. Not well-formed input is reported, not raised.
    """
    # Imported here: lxml and pydantic load only when something is validated.
    from e2br3.parse import load_tree  # type: ignore[import-untyped]
    from e2br3.validate import validate  # type: ignore[import-untyped]

    with as_file(files("hygie.safety.export") / "schemas") as schema_dir:
        errors = validate(bytes(xml), schema_dir=schema_dir)
    if errors:
        return [_describe(e.kind, e.line, e.column, e.message) for e in errors]
    root = load_tree(bytes(xml)).getroot()
    name = root.tag.rpartition("}")[2]
    if name != BATCH_ROOT:
        return [f"line {root.sourceline}: root element is {name!r}, expected {BATCH_ROOT!r}"]
    return []


def _describe(kind: str, line: int | None, column: int | None, message: str) -> str:
    where = f"line {line}" if column is None else f"line {line}, column {column}"
    prefix = "not well-formed: " if kind == "syntax" else ""
    return f"{where}: {prefix}{message}"


def check_case(case: IcsrCase) -> list[str]:
    """Problems that make the case invalid or unsendable, XSD aside. ``[]`` = none.

    The four minimum criteria (GVP VI.B.2) are: an identifiable reporter, an identifiable
    patient, at least one suspect (or interacting) drug, at least one reaction.
    """
    problems: list[str] = []
    reporter, patient, source = case.reporter, case.patient, case.source

    if not any(
        (
            reporter.given_name,
            reporter.family_name,
            reporter.handle,
            reporter.organisation,
            reporter.name_withheld,
            source.author_handle,
            source.permalink,
        )
    ):
        problems.append(
            "minimum criterion (a): no identifiable reporter "
            "(no name, handle, organisation or message permalink)"
        )
    if not any(
        (
            patient.initials,
            patient.name_withheld,
            patient.sex,
            patient.age_years is not None,
            patient.age_group,
            patient.reporter_relationship,
            patient.last_menstrual_period,
        )
    ):
        problems.append(
            "minimum criterion (b): no identifiable patient "
            "(no initials, sex, age, age group or relationship to the reporter)"
        )
    if not case.suspect_drugs:
        problems.append("minimum criterion (c): no suspect or interacting drug")
    if not case.reactions:
        problems.append("minimum criterion (d): no reaction")

    _length(problems, "C.1.1", "safety report id", case.safety_report_id, required=True)
    _length(problems, "C.1.8.1", "worldwide case id", case.worldwide_case_id)
    _length(problems, "D.1", "patient initials", patient.initials)
    _length(problems, "H.1", "narrative", case.narrative)
    _length(problems, "H.4", "sender comments", case.sender_comments)
    _length(problems, "H.5.r.1a", "source text", source.text, required=True)
    for n, drug in enumerate(case.drugs, start=1):
        _length(problems, "G.k.2.2", f"drug {n} name", drug.name, required=True)
        _length(problems, "G.k.2.3.r.1", f"drug {n} active substance", drug.active_substance)
        _length(problems, "G.k.4.r.7", f"drug {n} batch number", drug.batch_number)
        _length(problems, "G.k.4.r.8", f"drug {n} dose text", drug.dose_text)
        _length(problems, "G.k.7.r.1", f"drug {n} indication", drug.indication)
    for n, reaction in enumerate(case.reactions, start=1):
        _length(problems, "E.i.1.1a", f"reaction {n} verbatim", reaction.verbatim, required=True)
        _length(problems, "E.i.1.2", f"reaction {n} translation", reaction.translation)
        _language(problems, f"reaction {n}", reaction.language)
        if reaction.meddra_code is not None:
            if not _MEDDRA_CODE.fullmatch(reaction.meddra_code):
                problems.append(f"E.i.2.1b: reaction {n} MedDRA code is not 8 digits")
            if not reaction.meddra_version:
                problems.append(f"E.i.2.1a: reaction {n} MedDRA code without MedDRA version")
        if reaction.start_date is not None:
            _aware(problems, f"reaction {n} start date", reaction.start_date)
    _language(problems, "source message", source.language)

    for label, country in (("reporter", reporter.country), ("sender", case.sender.country)):
        if not _COUNTRY.fullmatch(country):
            problems.append(f"{label} country {country!r} is not an ISO 3166-1 alpha-2 code")
    _aware(problems, "day zero", case.day_zero)
    for label, moment in (
        ("version date", case.version_date),
        ("most recent information date", case.most_recent_info),
        ("source publication time", source.published_at),
        ("forward-before time", case.forward_before),
    ):
        if moment is not None:
            _aware(problems, label, moment)
    if case.most_recent_info is not None and _day(case.most_recent_info) < _day(case.day_zero):
        problems.append("C.1.5: most recent information date is before day zero (C.1.4)")
    return problems


def _length(
    problems: list[str], element: str, label: str, value: str | None, *, required: bool = False
) -> None:
    if value is None or not value.strip():
        if required:
            problems.append(f"{element}: {label} is empty")
        return
    if len(value) > _MAX[element]:
        problems.append(
            f"{element}: {label} is {len(value)} characters, ICH allows {_MAX[element]}"
        )


def _language(problems: list[str], label: str, code: str) -> None:
    try:
        iso639_2(code)
    except ValueError:
        problems.append(f"{label}: language {code!r} is not an ISO 639-2 code")


def _aware(problems: list[str], label: str, value: date) -> None:
    if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
        problems.append(f"{label} has no time zone")


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value
