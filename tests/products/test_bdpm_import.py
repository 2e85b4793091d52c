"""Importing the official BDPM files: encodings, statuses, refusals that change nothing, the
lexicon in force, and the ``import_bdpm`` command."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import DjangoAssertNumQueries

from hygie.accounts.actions import ActionError
from hygie.accounts.models import User
from hygie.audit.models import AuditEvent
from hygie.compliance.lexicon.matcher import ProductLexicon
from hygie.products.actions import do_import_bdpm
from hygie.products.bdpm_files import detect_encoding
from hygie.products.dictionary import dictionary_status, product_lexicon
from hygie.products.models import BdpmImport, BdpmProduct

pytestmark = pytest.mark.django_db

CP1252 = "cp1252"
#: A handful of real BDPM rows in the official encodings (see data/bdpm/README.md).
FIXTURE = Path(__file__).resolve().parent / "data" / "bdpm"


def append_cp1252(path: Path, *lines: str) -> None:
    with path.open("ab") as handle:
        for line in lines:
            handle.write(line.encode(CP1252) + b"\r\n")


def names(lexicon: ProductLexicon, text: str) -> list[str]:
    return [mention.name for mention in lexicon.find(text)]


# -- reading the files ------------------------------------------------------------------------


def test_the_fixture_files_keep_the_official_encodings() -> None:
    assert detect_encoding((FIXTURE / "CIS_CIP_bdpm.txt").read_bytes()) == "utf-8"
    for name in ("CIS_bdpm.txt", "CIS_COMPO_bdpm.txt", "CIS_CPD_bdpm.txt"):
        raw = (FIXTURE / name).read_bytes()
        assert detect_encoding(raw) == CP1252, name
        assert b"\r\n" in raw
    assert b"\x92" in (FIXTURE / "CIS_bdpm.txt").read_bytes()  # ’ exists only in cp1252
    assert detect_encoding(b"\xef\xbb\xbfCIS\t\xc3\xa9") == "utf-8-sig"
    assert detect_encoding(b"\x81\x8d") == "latin-1"  # undefined in cp1252


def test_an_import_detects_utf8_and_cp1252_files(alice: User) -> None:
    run = do_import_bdpm(FIXTURE, acting_user=alice)
    assert {name: info["encoding"] for name, info in run.files.items()} == {
        "CIS_bdpm.txt": CP1252,
        "CIS_CIP_bdpm.txt": "utf-8",
        "CIS_COMPO_bdpm.txt": CP1252,
        "CIS_CPD_bdpm.txt": CP1252,
    }
    for name, info in run.files.items():
        raw = (FIXTURE / name).read_bytes()
        assert info["sha256"] == hashlib.sha256(raw).hexdigest()
        assert info["bytes"] == len(raw)
    assert run.files["CIS_bdpm.txt"]["lines"] == 7
    # Windows-1252 decoded as such: the 0x92 byte is a typographic apostrophe.
    carmin = BdpmProduct.objects.get(cis="68437608")
    assert carmin.denomination.startswith("CARMIN D’INDIGO PROVINGO 40 mg/5 mL")
    # The UTF-8 file was read too: its reimbursement rate makes Doliprane reimbursed.
    assert BdpmProduct.objects.get(cis="60234100").reimbursement_rates == [65]


def test_an_import_reads_statuses_reimbursement_and_inns() -> None:
    do_import_bdpm(FIXTURE)
    rows = {p.cis: p for p in BdpmProduct.objects.all()}
    assert len(rows) == 7
    expected = {
        # cis: (brand, status, otc, reimbursed, commercialised, inns)
        "60234100": ("DOLIPRANE", "none", True, True, True, ["paracétamol"]),
        "68634000": ("ADVIL", "none", True, False, True, ["ibuprofène"]),
        "61227030": ("SKENAN L.P.", "stupefiant", False, True, True, ["morphine"]),
        "69847791": ("XANAX", "liste_i", False, True, True, ["alprazolam"]),
        "68416845": ("LEVOTHYROX", "liste_ii", False, True, True, ["lévothyroxine"]),
        "63713344": (
            "HUMEX RHUME",
            "liste_i",
            False,
            False,
            False,
            ["paracétamol", "pseudoéphédrine", "chlorphénamine"],
        ),
        "68437608": ("CARMIN D’INDIGO PROVINGO", "liste_i", False, False, True, ["indigotine"]),
    }
    for cis, (brand, status, otc, reimbursed, commercialised, inns) in expected.items():
        row = rows[cis]
        assert (row.brand, row.status, row.otc, row.reimbursed, row.commercialised) == (
            brand,
            status,
            otc,
            reimbursed,
            commercialised,
        ), cis
        assert row.inns == inns, cis


def test_an_import_records_its_counts_its_version_and_an_audit_event(alice: User) -> None:
    run = do_import_bdpm(FIXTURE, acting_user=alice)
    assert run.source_name == "bdpm"
    assert run.data_date == dt.date(2026, 5, 26)  # from the folder's README
    assert run.lexicon_version.startswith("bdpm-2026-05-26-")
    counts = run.counts
    assert counts["products"] == 7
    assert counts["statuses"] == {"stupefiant": 1, "liste_i": 3, "liste_ii": 1, "none": 2}
    assert (counts["otc"], counts["reimbursed"], counts["commercialised"]) == (2, 4, 6)
    # SKENAN L.P. → SKENAN, HUMEX RHUME → HUMEX RHUME and HUMEX; 8 substances.
    assert (counts["brands"], counts["inns"]) == (8, 8)
    event = AuditEvent.objects.get(verb="bdpm.imported")
    assert event.actor == alice
    assert event.organization is None
    assert event.target_id == str(run.pk)
    assert event.after is not None
    assert event.after["version"] == run.lexicon_version
    assert event.after["counts"]["products"] == 7


# -- refusals ---------------------------------------------------------------------------------


def _columns_missing(folder: Path) -> None:
    # A spreadsheet saved the conditions with semicolons instead of tabs.
    path = folder / "CIS_CPD_bdpm.txt"
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2].replace(b"\t", b";")
    path.write_bytes(b"\r\n".join(lines))


def _not_a_cis_code(folder: Path) -> None:
    path = folder / "CIS_COMPO_bdpm.txt"
    lines = path.read_bytes().split(b"\r\n")
    lines[4] = b"CIS" + lines[4][3:]
    path.write_bytes(b"\r\n".join(lines))


def _duplicate_product(folder: Path) -> None:
    path = folder / "CIS_bdpm.txt"
    first = path.read_bytes().split(b"\r\n")[0]
    path.write_bytes(path.read_bytes() + first + b"\r\n")


def _utf16(folder: Path) -> None:
    path = folder / "CIS_CIP_bdpm.txt"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def _empty(folder: Path) -> None:
    (folder / "CIS_bdpm.txt").write_bytes(b"\r\n")


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (_columns_missing, r"CIS_CPD_bdpm\.txt, line 3: 1 tab-separated column\(s\), at least 2"),
        (_not_a_cis_code, r"CIS_COMPO_bdpm\.txt, line 5: .CIS\d+. is not a CIS code"),
        (_duplicate_product, r"CIS_bdpm\.txt, line 9: CIS code \d{8} already on line 1"),
        (_utf16, r"CIS_CIP_bdpm\.txt, line 1: a NUL byte"),
        (_empty, r"CIS_bdpm\.txt lists no product"),
    ],
)
def test_a_broken_file_is_refused_with_its_line_and_nothing_is_written(
    bdpm_copy: Path, breakage: Callable[[Path], None], message: str
) -> None:
    first = do_import_bdpm(FIXTURE)
    products = sorted(BdpmProduct.objects.values_list("cis", "status", "brand"))
    audit = AuditEvent.objects.count()
    append_cp1252(
        bdpm_copy / "CIS_bdpm.txt",
        "69999999\tZORBLIXAN 5 mg, comprimé\tcomprimé\torale\tAutorisation active\t"
        "Procédure nationale\tCommercialisée\t01/01/2026\t\t\t LABO\tNon",
    )
    breakage(bdpm_copy)
    with pytest.raises(ActionError, match=message):
        do_import_bdpm(bdpm_copy)
    assert list(BdpmImport.objects.values_list("pk", flat=True)) == [first.pk]
    assert sorted(BdpmProduct.objects.values_list("cis", "status", "brand")) == products
    assert AuditEvent.objects.count() == audit
    assert "zorblixan" not in {name.casefold() for name in names(product_lexicon(), "Zorblixan")}


def test_a_missing_folder_or_file_is_refused_clearly(tmp_path: Path, bdpm_copy: Path) -> None:
    with pytest.raises(ActionError, match="is not a folder"):
        do_import_bdpm(tmp_path / "nowhere")
    (bdpm_copy / "CIS_CPD_bdpm.txt").unlink()
    with pytest.raises(ActionError, match=r"Missing in .*: CIS_CPD_bdpm\.txt\. The import needs"):
        do_import_bdpm(bdpm_copy)
    assert not BdpmImport.objects.exists()
    assert not BdpmProduct.objects.exists()


# -- re-import and the lexicon in force -------------------------------------------------------


def _drop_product(folder: Path, cis: str) -> None:
    for path in folder.glob("CIS_*.txt"):
        newline = b"\n" if path.name == "CIS_CIP_bdpm.txt" else b"\r\n"
        kept = [
            line for line in path.read_bytes().split(newline) if not line.startswith(cis.encode())
        ]
        path.write_bytes(newline.join(kept))


def test_a_reimport_replaces_the_dictionary(bdpm_copy: Path) -> None:
    first = do_import_bdpm(FIXTURE)
    assert names(product_lexicon(), "Un Advil pour la tête ?") == ["ADVIL"]
    _drop_product(bdpm_copy, "68634000")  # ADVIL
    second = do_import_bdpm(bdpm_copy)
    assert second.pk != first.pk
    assert second.lexicon_version != first.lexicon_version
    assert not BdpmProduct.objects.filter(cis="68634000").exists()
    assert BdpmProduct.objects.count() == 6
    assert second.counts["products"] == 6
    assert names(product_lexicon(), "Un Advil pour la tête ?") == []
    assert dictionary_status().latest == second
    assert AuditEvent.objects.filter(verb="bdpm.imported").count() == 2
    last = AuditEvent.objects.filter(verb="bdpm.imported").latest("seq")
    assert last.before == {"import": first.pk, "version": first.lexicon_version}


def test_the_lexicon_switches_to_the_imported_one(bdpm_copy: Path) -> None:
    assert product_lexicon() is ProductLexicon.load_default()
    assert dictionary_status().latest is None
    assert dictionary_status().bundled_date == dt.date(2026, 5, 26)
    text = "Le Zorblixan et le Spasfon, c'est pareil ?"
    assert names(product_lexicon(), text) == ["SPASFON"]
    # A product that only this import knows (a fictitious CIS, written in Windows-1252).
    append_cp1252(
        bdpm_copy / "CIS_bdpm.txt",
        "69999999\tZORBLIXAN 5 mg, comprimé pelliculé\tcomprimé pelliculé\torale\t"
        "Autorisation active\tProcédure nationale\tCommercialisée\t01/01/2026\t\t\t LABO\tNon",
    )
    append_cp1252(bdpm_copy / "CIS_CPD_bdpm.txt", "69999999\tliste I")
    append_cp1252(
        bdpm_copy / "CIS_COMPO_bdpm.txt",
        "69999999\tcomprimé\t99999\tZORBLIXANE\t5 mg\tun comprimé\tSA\t1",
    )
    do_import_bdpm(bdpm_copy)
    lexicon = product_lexicon()
    assert lexicon is not ProductLexicon.load_default()
    found = lexicon.find(text)
    assert [(m.name, m.status, m.otc) for m in found] == [("ZORBLIXAN", "liste_i", False)]
    assert names(ProductLexicon.load_default(), text) == ["SPASFON"]
    assert lexicon.source["downloaded"] == "2026-05-26"


def test_the_lexicon_is_built_once_and_only_checked_on_later_calls(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    do_import_bdpm(FIXTURE)
    first = product_lexicon()
    with django_assert_num_queries(1):
        assert product_lexicon() is first


# -- the command ------------------------------------------------------------------------------


def test_the_command_prints_the_counts() -> None:
    out = io.StringIO()
    call_command("import_bdpm", str(FIXTURE), stdout=out)
    text = out.getvalue()
    assert "products: 7 (6 marketed, 2 without prescription, 4 reimbursed" in text
    assert "statuses: stupéfiant 1, liste I 3, liste II 1, none 2" in text
    assert "brands: 8\n" in text
    assert "INNs: 8\n" in text
    assert "CIS_CIP_bdpm.txt: 10 lines, utf-8" in text
    assert "CIS_bdpm.txt: 7 lines, cp1252" in text
    assert BdpmImport.objects.get().lexicon_version in text


def test_the_command_refuses_a_folder_without_the_files(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nothing changed: Missing in"):
        call_command("import_bdpm", str(tmp_path), stdout=io.StringIO())
    assert not BdpmImport.objects.exists()


def test_the_command_exits_with_status_1_on_a_bad_folder(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HYGIE_", "DATABASE_URL", "DJANGO_"))
    }
    result = subprocess.run(
        [sys.executable, "-m", "hygie", "manage", "import_bdpm", str(tmp_path / "nowhere")],
        env={**env, "HYGIE_VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    # The reason is in the installation's language; the command's own words are English.
    assert "BDPM import refused, nothing changed" in result.stderr
    assert str(tmp_path / "nowhere") in result.stderr
