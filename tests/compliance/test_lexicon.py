"""The medicine lexicon from the BDPM: reading its files whatever their encoding, and building
the compact lexicon shipped with Hygie (finding names in text: test_lexicon_matching.py). Pure
Python, no database."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from hygie.compliance.lexicon import bdpm
from hygie.compliance.lexicon.build import build, build_document, inn_name
from hygie.compliance.lexicon.matcher import ProductLexicon

from .helpers import spans

SHIPPED = (
    Path(__file__).resolve().parents[2] / "src/hygie/compliance/lexicon/data/bdpm-lexicon.json.gz"
)

# -- tiny BDPM files -----------------------------------------------------------------------------

PRODUCTS = [
    # cis, dénomination, forme, voies, statut AMM, procédure, commercialisation
    ("60000001", "DOLIPRANE 1000 mg, comprimé", "comprimé", "orale", "Procédure nationale"),
    ("60000002", "DOLIPRANE 500 mg, gélule", "gélule", "orale", "Procédure nationale"),
    (
        "60000003",
        "DOLIPRANE 2,4 POUR CENT, suspension buvable",
        "suspension",
        "orale",
        "Procédure nationale",
    ),
    (
        "60000004",
        "CODOLIPRANE ADULTES 500 mg/30 mg, comprimé",
        "comprimé",
        "orale",
        "Procédure nationale",
    ),
    (
        "60000005",
        "LEVOTHYROX 100 microgrammes, comprimé sécable",
        "comprimé",
        "orale",
        "Procédure nationale",
    ),
    ("60000006", "SKENAN L.P. 10 mg, microgranules", "gélule", "orale", "Procédure nationale"),
    ("60000007", "PARACETAMOL ARROW 500 mg, comprimé", "comprimé", "orale", "Procédure nationale"),
    (
        "60000008",
        "ARNICA BOIRON, degré de dilution compris entre 2CH et 30CH",
        "granules",
        "orale",
        "Enreg homéo (Proc. Nat.)",
    ),
    (
        "60000009",
        "SPASFON LYOC 80 mg, lyophilisat oral",
        "lyophilisat",
        "orale",
        "Procédure nationale",
    ),
    (
        "60000010",
        "HOSPIDOL 10 mg, solution injectable",
        "solution",
        "intraveineuse;intramusculaire",
        "Procédure nationale",
    ),
]
COMMERCIALISED = {"60000002": "Non commercialisée"}
COMPOSITION = [
    # cis, substance, nature, liaison
    ("60000001", "PARACÉTAMOL", "SA", "1"),
    ("60000002", "PARACÉTAMOL", "SA", "1"),
    ("60000003", "PARACÉTAMOL", "SA", "1"),
    ("60000004", "PARACÉTAMOL", "SA", "1"),
    ("60000004", "PHOSPHATE DE CODÉINE HÉMIHYDRATÉ", "SA", "2"),
    ("60000004", "CODÉINE", "FT", "2"),
    ("60000005", "LÉVOTHYROXINE SODIQUE", "SA", "1"),
    ("60000005", "LÉVOTHYROXINE", "FT", "1"),
    ("60000006", "SULFATE DE MORPHINE", "SA", "1"),
    ("60000007", "PARACÉTAMOL", "SA", "1"),
    ("60000008", "ARNICA MONTANA POUR PRÉPARATIONS HOMÉOPATHIQUES", "SA", "1"),
    ("60000009", "PHLOROGLUCINOL", "SA", "1"),
    ("60000010", "CHLORHYDRATE DE HOSPIDOLINE", "SA", "1"),
]
CONDITIONS = [
    ("60000003", "liste II"),
    ("60000004", "liste I"),
    ("60000005", "liste II"),
    ("60000006", "stupéfiants"),
    ("60000006", "prescription limitée à 28 jours"),
    ("60000010", "réservé à l'usage HOSPITALIER"),
]
PRESENTATIONS = [
    # cis, état de commercialisation, taux
    ("60000001", "Déclaration de commercialisation", "65%"),
    ("60000001", "Déclaration d'arrêt de commercialisation", "65%"),
    ("60000002", "Déclaration d'arrêt de commercialisation", ""),
    ("60000003", "Déclaration de commercialisation", "65 %"),
    ("60000005", "Déclaration de commercialisation", "65%"),
    ("60000009", "Déclaration de commercialisation", ""),
]


def write_bdpm(
    folder: Path,
    *,
    main_encoding: str = "cp1252",
    cip_encoding: str = "utf-8",
    bom: bool = False,
) -> Path:
    """The four files in the layout of the official export (tab-separated, no header)."""

    def write(name: str, rows: Sequence[Sequence[str]], encoding: str, newline: str) -> None:
        text = newline.join("\t".join(row) for row in rows) + newline
        data = text.encode(encoding)
        if bom and encoding == "utf-8":
            data = b"\xef\xbb\xbf" + data
        (folder / name).write_bytes(data)

    write(
        bdpm.PRODUCTS_FILE,
        [
            (
                cis,
                name,
                form,
                routes,
                "Autorisation active",
                procedure,
                COMMERCIALISED.get(cis, "Commercialisée"),
                "01/01/2000",
                "",
                "",
                " LABORATOIRE EXEMPLE",
                "Non",
            )
            for cis, name, form, routes, procedure in PRODUCTS
        ],
        main_encoding,
        "\r\n",
    )
    write(
        bdpm.COMPOSITION_FILE,
        [
            (cis, "comprimé", "00001", name, "1 mg", "un comprimé", nature, link)
            for cis, name, nature, link in COMPOSITION
        ],
        main_encoding,
        "\r\n",
    )
    write(bdpm.CONDITIONS_FILE, CONDITIONS, main_encoding, "\r\n")
    write(
        bdpm.PRESENTATIONS_FILE,
        [
            (
                cis,
                f"{i:07d}",
                "plaquette de 8 comprimé(s)",
                "Présentation active",
                state,
                "01/01/2020",
                f"3400000000{i:03d}",
                "oui",
                rate,
                "",
                "",
                "",
                "",
            )
            for i, (cis, state, rate) in enumerate(PRESENTATIONS)
        ],
        cip_encoding,
        "\n",
    )
    return folder


@pytest.fixture
def bdpm_folder(tmp_path: Path) -> Path:
    return write_bdpm(tmp_path)


def products_by_cis(folder: Path) -> dict[str, bdpm.Product]:
    return {p.cis: p for p in bdpm.read_products(folder)}


# -- BDPM reader ---------------------------------------------------------------------------------


def test_the_reader_decodes_windows_1252_files_and_a_utf8_presentations_file(
    tmp_path: Path,
) -> None:
    folder = write_bdpm(tmp_path, main_encoding="cp1252", cip_encoding="utf-8")
    raw = (folder / bdpm.PRODUCTS_FILE).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really Windows-1252 on disk
    assert "comprimé sécable" in bdpm.read_text(folder / bdpm.PRODUCTS_FILE)
    products = products_by_cis(folder)
    assert products["60000005"].substances == ("LÉVOTHYROXINE SODIQUE",)
    assert products["60000006"].conditions == ("stupéfiants", "prescription limitée à 28 jours")
    assert products["60000001"].reimbursement_rates == (65,)


def test_the_reader_decodes_utf8_files_with_or_without_a_byte_order_mark(tmp_path: Path) -> None:
    for bom in (False, True):
        folder = tmp_path / f"bom-{bom}"
        folder.mkdir()
        write_bdpm(folder, main_encoding="utf-8", cip_encoding="utf-8", bom=bom)
        text = bdpm.read_text(folder / bdpm.PRODUCTS_FILE)
        assert text.startswith("60000001\tDOLIPRANE")  # no BOM left in the first CIS code
        products = products_by_cis(folder)
        assert products["60000001"].brand == "DOLIPRANE"
        assert products["60000005"].moieties == ("LÉVOTHYROXINE",)


def test_the_reader_decodes_a_windows_1252_presentations_file_too(tmp_path: Path) -> None:
    folder = write_bdpm(tmp_path, main_encoding="utf-8", cip_encoding="cp1252")
    rows = list(bdpm.iter_rows(folder / bdpm.PRESENTATIONS_FILE))
    assert rows[0][3] == "Présentation active"
    assert products_by_cis(folder)["60000001"].commercialised


def test_a_windows_1252_curly_apostrophe_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "cpd.txt"
    path.write_bytes("1\tprescription nécessitant l’accord".encode("cp1252"))
    assert list(bdpm.iter_rows(path)) == [["1", "prescription nécessitant l’accord"]]


def test_prescription_conditions_map_to_a_listing_status() -> None:
    assert bdpm.prescription_status(["liste I"]) == "liste_i"
    assert bdpm.prescription_status(["Liste II"]) == "liste_ii"
    assert (
        bdpm.prescription_status(["stupéfiants", "prescription limitée à 28 jours"]) == "stupefiant"
    )
    assert bdpm.prescription_status(["liste II", "liste I"]) == "liste_i"
    assert bdpm.prescription_status([]) == "none"
    assert bdpm.prescription_status(["prescription hospitalière"]) == "none"
    assert bdpm.requires_prescription(["prescription hospitalière"])
    assert bdpm.requires_prescription(["réservé à l'usage HOSPITALIER"])
    assert not bdpm.requires_prescription([])


def test_products_carry_status_otc_flag_routes_and_marketing_state(bdpm_folder: Path) -> None:
    products = products_by_cis(bdpm_folder)
    doliprane = products["60000001"]
    assert (doliprane.status, doliprane.otc, doliprane.commercialised) == ("none", True, True)
    assert doliprane.brand == "DOLIPRANE"
    assert doliprane.denomination == "DOLIPRANE 1000 mg, comprimé"
    assert products["60000002"].commercialised is False
    assert products["60000006"].status == "stupefiant"
    assert products["60000010"].status == "none"
    assert products["60000010"].otc is False  # hospital-only: not listed, still not OTC
    assert products["60000010"].routes == ("intraveineuse", "intramusculaire")
    assert products["60000008"].homeopathic


def test_the_brand_is_the_upper_case_part_of_the_denomination() -> None:
    assert bdpm.brand_of("DOLIPRANE 1000 mg, comprimé") == "DOLIPRANE"
    assert bdpm.brand_of("SPASFON LYOC 80 mg, lyophilisat oral") == "SPASFON LYOC"
    assert bdpm.brand_of("BIAFINE, émulsion pour application cutanée") == "BIAFINE"
    assert bdpm.brand_of("BETADINE 10 POUR CENT, solution pour application cutanée") == "BETADINE"
    assert bdpm.brand_of("NaF MetaTrace 2 000 MBq/mL, solution injectable") == "NaF MetaTrace"


# -- builder -------------------------------------------------------------------------------------


def test_substance_names_lose_their_salts_and_hydrates() -> None:
    assert inn_name("CHLORHYDRATE DE METFORMINE") == "metformine"
    assert inn_name("LÉVOTHYROXINE SODIQUE") == "lévothyroxine"
    assert inn_name("PARACÉTAMOL") == "paracétamol"
    assert inn_name("L-ARGININE") == "arginine"
    assert inn_name("STREPTOCOCCUS PNEUMONIAE POLYOSIDE SÉROTYPE 4") is None


def test_the_builder_merges_presentations_and_keeps_the_strictest_status(bdpm_folder: Path) -> None:
    document = build_document(bdpm.read_products(bdpm_folder), download_date="2026-05-26")
    brands = {row[1]: row for row in document["brands"]}
    inns = [row[0] for row in document["inns"]]
    name, _key, inn_ids, status, flags = brands["doliprane"]
    # Three DOLIPRANE products: two unlisted, one on list II -> the strictest, still OTC.
    assert (name, status) == ("DOLIPRANE", "liste_ii")
    assert flags & 1 and flags & 2 and flags & 4  # otc, commercialised, reimbursed
    assert [inns[i] for i in inn_ids] == ["paracétamol"]
    assert brands["codoliprane"][3] == "liste_i"  # "ADULTES" is a descriptor, trimmed
    assert brands["skenan"][3] == "stupefiant"
    assert brands["levothyrox"][4] & 1 == 0  # listed: not OTC
    assert "spasfon lyoc" in brands and "spasfon" in brands  # the head word gets its entry
    assert not any("arrow" in key for key in brands)  # generic named after its substance
    assert not any("arnica" in key for key in brands)  # homeopathy left out


def test_inn_entries_list_the_statuses_of_the_products_containing_them(bdpm_folder: Path) -> None:
    document = build_document(bdpm.read_products(bdpm_folder))
    inns = {row[1]: row for row in document["inns"]}
    _name, _key, statuses, status, flags = inns["paracetamol"]
    assert statuses == ["liste_i", "liste_ii", "none"]
    # The status of paracetamol alone: codeine combinations do not make it list I.
    assert status == "liste_ii"
    assert flags & 1
    assert inns["codeine"][3] == "liste_i"
    assert inns["levothyroxine"][0] == "lévothyroxine"


def test_the_built_file_is_gzip_json_with_its_source_and_loads_into_a_matcher(
    bdpm_folder: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out" / "lexicon.json.gz"
    stats = build(bdpm_folder, output, downloaded="2026-05-26")
    assert stats["brands"] >= 5 and stats["gzip_bytes"] == output.stat().st_size
    document = json.loads(gzip.decompress(output.read_bytes()))
    assert document["source"]["licence"] == "Licence Ouverte / Etalab 2.0"
    assert document["source"]["url"] == "https://base-donnees-publique.medicaments.gouv.fr"
    assert document["source"]["downloaded"] == "2026-05-26"
    small = ProductLexicon.load(output)
    text = "Du Codoliprane ou du doliprane ?"
    assert spans(text, small.find(text)) == [
        ("Codoliprane", "CODOLIPRANE"),
        ("doliprane", "DOLIPRANE"),
    ]


def test_the_shipped_lexicon_is_small_and_cites_its_source() -> None:
    assert SHIPPED.stat().st_size < 1_000_000
    document = json.loads(gzip.decompress(SHIPPED.read_bytes()))
    source = document["source"]
    assert source["licence"] == "Licence Ouverte / Etalab 2.0"
    assert source["url"] == "https://base-donnees-publique.medicaments.gouv.fr"
    assert source["downloaded"]
    assert len(document["brands"]) > 2000 and len(document["inns"]) > 1000
    assert (SHIPPED.parent / "NOTICE.md").exists()
