"""The Django-free safety-case exports: the CSV and the French CRPV declaration."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import pytest
from tests.safety.e2b_helpers import (
    SOURCE_TEXT,
    full_case,
    minimal_case,
)

from hygie.safety.export import (
    PORTAL_URL,
    Drug,
    DrugRole,
    Reaction,
    Reporter,
    Seriousness,
    cases_csv,
    crpv_declaration,
)
from hygie.safety.export.declaration import A_COMPLETER, region_name

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
