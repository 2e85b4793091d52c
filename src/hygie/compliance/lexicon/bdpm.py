"""Reader for the official BDPM files (Base de données publique des médicaments).

The four files come from https://base-donnees-publique.medicaments.gouv.fr ("téléchargement"),
published by ANSM, HAS and UNCAM under the Licence Ouverte / Etalab 2.0 (reuse allowed with
attribution). They are tab-separated, have no header row, and do not share one encoding: the
official export ships most of them in Windows-1252 and ``CIS_CIP_bdpm.txt`` in UTF-8, and this
has changed over the years. :func:`read_text` therefore detects the encoding of every file
(strict UTF-8 first, then Windows-1252, then Latin-1, which never fails) instead of assuming it.

Columns used (1-based, from the official documentation):

* ``CIS_bdpm.txt``: 1 CIS, 2 dénomination, 3 forme, 4 voies (``;``-separated), 5 statut
  administratif de l'AMM, 6 type de procédure, 7 état de commercialisation.
* ``CIS_COMPO_bdpm.txt``: 1 CIS, 4 dénomination de la substance, 7 nature (``SA`` substance
  active, ``FT`` fraction thérapeutique), 8 numéro de liaison SA/FT.
* ``CIS_CPD_bdpm.txt``: 1 CIS, 2 condition de prescription ou de délivrance.
* ``CIS_CIP_bdpm.txt``: 1 CIS, 5 état de commercialisation de la présentation, 9 taux de
  remboursement.

Pure Python (standard library only), no Django.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Status = Literal["stupefiant", "liste_i", "liste_ii", "none"]

#: Strictest first. ``none`` means "not on a list": it is *not* the same as "no prescription".
STATUS_ORDER: tuple[Status, ...] = ("stupefiant", "liste_i", "liste_ii", "none")
STATUS_RANK: dict[str, int] = {status: rank for rank, status in enumerate(STATUS_ORDER)}

PRODUCTS_FILE = "CIS_bdpm.txt"
PRESENTATIONS_FILE = "CIS_CIP_bdpm.txt"
COMPOSITION_FILE = "CIS_COMPO_bdpm.txt"
CONDITIONS_FILE = "CIS_CPD_bdpm.txt"

_UTF8_BOM = b"\xef\xbb\xbf"


def read_text(path: Path) -> str:
    """Decode a BDPM file whatever its encoding: UTF-8 (with or without BOM) or Windows-1252.

    Strict UTF-8 is tried first: Windows-1252 text with accented letters is almost never valid
    UTF-8, so a successful strict decode is reliable. Windows-1252 leaves five bytes undefined;
    a file that contains them is decoded as Latin-1 rather than rejected.
    """
    raw = path.read_bytes()
    if raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM) :]
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def iter_rows(path: Path) -> Iterator[list[str]]:
    """Tab-separated rows without the line ending; blank lines are skipped.

    Lines are split on ``\\n`` only (``str.splitlines`` would also split on characters such as
    U+0085 that Windows-1252 decoding can produce inside a field).
    """
    for line in read_text(path).split("\n"):
        line = line.rstrip("\r")
        if line.strip():
            yield [field.strip() for field in line.split("\t")]


def _fold(text: str) -> str:
    """Lower case without accents, for comparing the BDPM's free-text values."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def condition_status(condition: str) -> Status | None:
    """The listing status a single CPD line states, or None if it states no listing."""
    folded = " ".join(_fold(condition).split())
    if folded.startswith("stupefiant"):
        return "stupefiant"
    if folded == "liste i":
        return "liste_i"
    if folded == "liste ii":
        return "liste_ii"
    return None


def prescription_status(conditions: Iterable[str]) -> Status:
    """A product's CPD lines as its strictest listing: stupéfiant > liste I > liste II > none."""
    best: Status = "none"
    for condition in conditions:
        status = condition_status(condition)
        if status is not None and STATUS_RANK[status] < STATUS_RANK[best]:
            best = status
    return best


def strictest(statuses: Iterable[str]) -> Status:
    """The strictest of several statuses (``none`` for an empty iterable)."""
    best: Status = "none"
    for status in statuses:
        if STATUS_RANK[status] < STATUS_RANK[best]:
            best = STATUS_ORDER[STATUS_RANK[status]]
    return best


_PRESCRIPTION_WORDS = ("prescription", "ordonnance", "reserve a l'usage", "reserve a une")


def requires_prescription(conditions: Iterable[str]) -> bool:
    """True when any CPD line restricts dispensing (a list, a prescription, hospital use...).

    Some products are "soumis à prescription médicale" or hospital-only without being on
    list I or II; they are not OTC even though their listing status is ``none``.
    """
    for condition in conditions:
        if condition_status(condition) is not None:
            return True
        folded = _fold(condition).replace("’", "'")
        if any(word in folded for word in _PRESCRIPTION_WORDS):
            return True
    return False


def brand_of(denomination: str) -> str:
    """The brand part of a denomination: the upper-case words before the strength and form.

    ``"DOLIPRANE 1000 mg, comprimé"`` gives ``"DOLIPRANE"``; ``"SPASFON LYOC 80 mg, lyophilisat
    oral"`` gives ``"SPASFON LYOC"``; ``"BIAFINE, émulsion pour application cutanée"`` gives
    ``"BIAFINE"``. Reading stops at the first comma followed by a space, at a word starting
    with a digit, and after the first word at a word with a digit or without any capital.
    """
    head = denomination.split(", ", 1)[0]
    words: list[str] = []
    for word in head.split():
        if word[:1].isdigit():
            break
        # The first word is the brand even in mixed case ("NaF", "IASOdopa"); after it, a word
        # with a digit or without capitals is a strength, a unit or the form.
        if words and (any(ch.isdigit() for ch in word) or not any(ch.isupper() for ch in word)):
            break
        words.append(word)
    return " ".join(words).strip(" ,;-/")


@dataclass(frozen=True, slots=True)
class Product:
    """One BDPM product (one CIS code), with what the compliance lexicon needs."""

    cis: str
    brand: str
    denomination: str
    form: str
    routes: tuple[str, ...]
    authorisation: str
    procedure: str
    commercialised: bool
    #: Active substances as published (``SA`` lines), e.g. ``CHLORHYDRATE DE METFORMINE``.
    substances: tuple[str, ...]
    #: Active moieties: the ``FT`` line linked to each ``SA`` line when there is one
    #: (``METFORMINE``), otherwise the ``SA`` name itself.
    moieties: tuple[str, ...]
    conditions: tuple[str, ...]
    status: Status
    prescription: bool
    #: Reimbursement rates in percent of the product's presentations (CIS_CIP), distinct, sorted.
    reimbursement_rates: tuple[int, ...]
    #: Reimbursement rates of the presentations that are currently marketed.
    commercialised_rates: tuple[int, ...]
    homeopathic: bool

    @property
    def otc(self) -> bool:
        """Marketed and dispensed without any prescription condition."""
        return self.commercialised and not self.prescription and self.status == "none"


def _rate(value: str) -> int | None:
    digits = value.replace("%", "").replace(",", ".").strip()
    if not digits:
        return None
    try:
        return round(float(digits))
    except ValueError:
        return None


def _is_commercialised(state: str) -> bool:
    folded = _fold(state)
    return folded.startswith(("commercialis", "declaration de commercialis"))


def _read_composition(path: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    sa: dict[str, dict[str, str]] = defaultdict(dict)
    ft: dict[str, dict[str, str]] = defaultdict(dict)
    for row in iter_rows(path):
        if len(row) < 8:
            continue
        cis, name, nature, link = row[0], row[3], row[6].upper(), row[7]
        if not name:
            continue
        if nature == "SA":
            sa[cis].setdefault(link or name, name)
        elif nature == "FT":
            ft[cis].setdefault(link or name, name)
    result: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for cis, by_link in sa.items():
        substances = tuple(dict.fromkeys(by_link.values()))
        moieties = tuple(dict.fromkeys(ft[cis].get(link, name) for link, name in by_link.items()))
        result[cis] = (substances, moieties)
    return result


def _read_conditions(path: Path) -> dict[str, list[str]]:
    conditions: dict[str, list[str]] = defaultdict(list)
    for row in iter_rows(path):
        if len(row) >= 2 and row[1]:
            conditions[row[0]].append(row[1])
    return conditions


def _read_presentations(path: Path) -> dict[str, tuple[set[int], set[int], bool]]:
    """Per CIS: all reimbursement rates, those of marketed presentations, any marketed."""
    result: dict[str, tuple[set[int], set[int], bool]] = {}
    for row in iter_rows(path):
        if len(row) < 5:
            continue
        rates, live_rates, live = result.get(row[0], (set(), set(), False))
        marketed = _is_commercialised(row[4])
        rate = _rate(row[8]) if len(row) > 8 else None
        if rate is not None:
            rates.add(rate)
            if marketed:
                live_rates.add(rate)
        result[row[0]] = (rates, live_rates, live or marketed)
    return result


def _homeopathic(denomination: str, procedure: str, substances: Iterable[str]) -> bool:
    if "homeo" in _fold(procedure) or "degre de dilution" in _fold(denomination):
        return True
    return any("homeopathique" in _fold(name) for name in substances)


def read_products(directory: Path) -> Iterator[Product]:
    """Join the four files and yield one :class:`Product` per CIS code of ``CIS_bdpm.txt``.

    A missing ``CIS_CIP``, ``CIS_COMPO`` or ``CIS_CPD`` file is treated as empty.
    """
    directory = Path(directory)

    def optional(name: str) -> Path | None:
        path = directory / name
        return path if path.exists() else None

    compo_path = optional(COMPOSITION_FILE)
    cpd_path = optional(CONDITIONS_FILE)
    cip_path = optional(PRESENTATIONS_FILE)
    composition = _read_composition(compo_path) if compo_path else {}
    conditions = _read_conditions(cpd_path) if cpd_path else {}
    presentations = _read_presentations(cip_path) if cip_path else {}

    for row in iter_rows(directory / PRODUCTS_FILE):
        if len(row) < 7:
            continue
        cis, denomination, form, routes, authorisation, procedure, state = row[:7]
        substances, moieties = composition.get(cis, ((), ()))
        cpd = tuple(conditions.get(cis, ()))
        rates, live_rates, any_live_presentation = presentations.get(cis, (set(), set(), False))
        commercialised = _is_commercialised(state) and (
            any_live_presentation or cis not in presentations
        )
        yield Product(
            cis=cis,
            brand=brand_of(denomination),
            denomination=denomination,
            form=form,
            routes=tuple(route.strip() for route in routes.split(";") if route.strip()),
            authorisation=authorisation,
            procedure=procedure,
            commercialised=commercialised,
            substances=substances,
            moieties=moieties,
            conditions=cpd,
            status=prescription_status(cpd),
            prescription=requires_prescription(cpd),
            reimbursement_rates=tuple(sorted(rates)),
            commercialised_rates=tuple(sorted(live_rates)),
            homeopathic=_homeopathic(denomination, procedure, substances),
        )
