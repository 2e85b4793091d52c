"""Export of pharmacovigilance safety cases, independent of Django.

Map a ``SafetyCase`` onto :class:`IcsrCase` once, then:

* :func:`build_icsr` — ICH E2B(R3) ICSR XML for the safety team or a regulator;
* :func:`validate_icsr` — XSD check against the ICH schema set shipped in ``schemas/``;
* :func:`check_case` — minimum criteria and ICH field rules the XSD cannot check;
* :func:`cases_csv` — one CSV row per case;
* :func:`crpv_declaration` — prefilled French CRPV declaration for a community pharmacy.
"""

from hygie.safety.export.csv_export import cases_csv
from hygie.safety.export.declaration import (
    PORTAL_URL,
    Declaration,
    DeclarationField,
    DeclarationSection,
    crpv_declaration,
)
from hygie.safety.export.e2b import build_icsr, build_icsr_batch, compose_narrative
from hygie.safety.export.types import (
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
    ReportType,
    Sender,
    SenderType,
    Seriousness,
    Sex,
    SourceMessage,
    SpecialSituation,
)
from hygie.safety.export.validate import check_case, validate_icsr

__all__ = [
    "PORTAL_URL",
    "ActionTaken",
    "AgeGroup",
    "Declaration",
    "DeclarationField",
    "DeclarationSection",
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
    "build_icsr",
    "build_icsr_batch",
    "cases_csv",
    "check_case",
    "compose_narrative",
    "crpv_declaration",
    "validate_icsr",
]
