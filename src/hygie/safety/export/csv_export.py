"""Safety cases as CSV: one row per case, for the safety team's tracker or spreadsheet.

RFC 4180: comma separator, ``"`` quoting where needed (doubled inside a field), CRLF
line ends, a header row. Cells that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or carriage return) get a leading ``'``: the source
messages are written by strangers on social media.

The function returns text; write it as UTF-8 (``"utf-8-sig"`` if Excel must open it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from hygie.safety.export.types import Drug, DrugRole, IcsrCase, Reaction, iso639_2

__all__ = ["COLUMNS", "cases_csv", "neutralise_formula"]

COLUMNS: tuple[str, ...] = (
    "reference",
    "worldwide_case_id",
    "report_type",
    "day_zero",
    "most_recent_info",
    "forward_before",
    "regulatory_due_date",
    "serious",
    "seriousness_criteria",
    "reporter_qualification",
    "reporter_country",
    "reporter_handle",
    "patient",
    "pregnant",
    "suspect_products",
    "other_products",
    "reactions_verbatim",
    "special_situations",
    "network",
    "source_permalink",
    "source_text",
)

_SUSPECT_ROLES = (DrugRole.SUSPECT, DrugRole.INTERACTING)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would evaluate (CSV/formula injection)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _iso(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _product(drug: Drug) -> str:
    text = drug.name
    if drug.active_substance:
        text += f" ({drug.active_substance})"
    if drug.batch_number:
        text += f", lot {drug.batch_number}"
    if drug.dose_text:
        text += f", dose {drug.dose_text}"
    return text


def _reaction(reaction: Reaction) -> str:
    text = f"{reaction.verbatim} [{iso639_2(reaction.language)}]"
    if reaction.meddra_code:
        text += f" MedDRA {reaction.meddra_code}"
    return text


def _patient(case: IcsrCase) -> str:
    patient = case.patient
    parts = []
    if patient.name_withheld:
        parts.append("initials masked")
    elif patient.initials:
        parts.append(patient.initials)
    if patient.sex is not None:
        parts.append(patient.sex.name.lower())
    if patient.age_years is not None:
        parts.append(f"{patient.age_years} years")
    elif patient.age_group is not None:
        parts.append(patient.age_group.name.lower())
    if patient.reporter_relationship:
        parts.append(f"reporter: {patient.reporter_relationship}")
    return ", ".join(parts)


def _criteria(case: IcsrCase) -> list[str]:
    found = list(case.seriousness.criteria())
    for reaction in case.reactions:
        if reaction.seriousness is not None:
            found.extend(c for c in reaction.seriousness.criteria() if c not in found)
    return found


def _row(case: IcsrCase) -> list[str]:
    suspects = case.suspect_drugs
    pregnant = {True: "yes", False: "no", None: ""}[case.patient.pregnant]
    return [
        case.safety_report_id,
        case.worldwide_case_id or case.safety_report_id,
        case.report_type.name.lower().replace("_", " "),
        _iso(case.day_zero),
        _iso(case.most_recent_info or case.day_zero),
        _iso(case.forward_before),
        case.regulatory_due_date().isoformat(),
        "yes" if case.is_serious else "no",
        "; ".join(_criteria(case)),
        case.reporter.qualification.name.lower().replace("_", " "),
        case.reporter.country.upper(),
        case.reporter.handle or case.source.author_handle or "",
        _patient(case),
        pregnant,
        "; ".join(_product(d) for d in suspects),
        "; ".join(
            f"{_product(d)} [{d.role.name.lower().replace('_', ' ')}]"
            for d in case.drugs
            if d.role not in _SUSPECT_ROLES
        ),
        "; ".join(_reaction(r) for r in case.reactions),
        "; ".join(s.label for s in case.special_situations),
        case.source.network or "",
        case.source.permalink or "",
        case.source.text,
    ]


def cases_csv(cases: Iterable[IcsrCase]) -> str:
    """A header row (:data:`COLUMNS`) then one row per case, in the order given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for case in cases:
        writer.writerow([neutralise_formula(cell) for cell in _row(case)])
    return buffer.getvalue()
