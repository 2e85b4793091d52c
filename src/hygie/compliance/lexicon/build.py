"""Build the compact medicine lexicon (gzip JSON) from the BDPM files.

``python scripts/build_lexicon.py /work/shared/data/bdpm
src/hygie/compliance/lexicon/data/bdpm-lexicon.json.gz`` runs :func:`main`.

The document (``format`` = ``hygie-bdpm-lexicon/1``) holds:

* ``source``: dataset, producer, URL, download date, licence (Licence Ouverte / Etalab 2.0);
* ``inns``: rows ``[name, key, statuses, status, flags]``: one per active substance (the
  therapeutic moiety when the BDPM gives one, salts and hydrates stripped), ``statuses`` the
  distinct statuses of all products that contain it, ``status`` the strictest among the
  products where it is the only active substance (among all products if there is none), so
  that "paracétamol" is not reported as a narcotic because of paracetamol–codeine combinations;
* ``brands``: rows ``[name, key, inn_indexes, status, flags]``: one per normalised brand name,
  merged over all the brand's products (CIS) and presentations: the strictest status;
* ``known_words``: the lower-case vocabulary of the BDPM itself (forms, routes, conditions),
  words the matcher must never "correct" into a medicine name.

``flags`` is a bit set: 1 = ``otc`` (at least one marketed product of the name is on no list
and needs no prescription), 2 = ``commercialised`` (at least one is marketed), 4 =
``reimbursed`` (at least one marketed presentation has a reimbursement rate).

Brand names: the upper-case part of the denomination (:func:`bdpm.brand_of`), with trailing
descriptors (``ADULTES``, ``ENFANTS``, ``SANS SUCRE``, ``LP``…) trimmed. A multi-word brand
also feeds an entry for its first word when that word is long enough (5 letters or more) and
not a common word, so "SPASFON" covers "SPASFON LYOC". Hyphenated words also get a joined form
("ALKA-SELTZER" → "alkaseltzer"). Generics named after their substance ("PARACETAMOL
BIOGARAN") get no brand entry: the INN entry covers them. Homeopathic products are left out.

Pure Python (standard library only), no Django.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hygie.compliance.lexicon.bdpm import (
    CONDITIONS_FILE,
    PRESENTATIONS_FILE,
    PRODUCTS_FILE,
    STATUS_RANK,
    Product,
    Status,
    iter_rows,
    read_products,
    strictest,
)
from hygie.compliance.lexicon.matcher import FORMAT, STOP_WORDS, fold, key_tokens, words

DATASET = "BDPM — Base de données publique des médicaments"
PRODUCER = "ANSM, HAS, UNCAM (Ministère chargé de la santé)"
URL = "https://base-donnees-publique.medicaments.gouv.fr"
LICENCE = "Licence Ouverte / Etalab 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"

OTC, COMMERCIALISED, REIMBURSED = 1, 2, 4

#: Words that describe a presentation rather than name the brand, trimmed from its end.
DESCRIPTORS = words(
    """
    adulte adultes enfant enfants nourrisson nourrissons nouveau nes bebe bebes junior
    pediatrique sans sucre et conseil lp l p lm sr retard
    """
)

#: Salt, ester and hydrate words stripped from substance names to get the INN people write.
_SALT_PREFIX = re.compile(
    r"^(?:(?:mono|di|tri|sesqui|hemi)?(?:chlorhydrate|bromhydrate|sulfate|maleate|fumarate|"
    r"tartrate|citrate|mesilate|mesylate|besilate|succinate|acetate|phosphate|lactate|"
    r"gluconate|nitrate|oxalate|tosilate|malate|napadisilate|pamoate|propionate|valerate|"
    r"dipropionate|butyrate|hyclate|embonate|stearate|tartrate acide)\s+(?:de\s+|d'))+",
)
_SALT_SUFFIX = re.compile(
    r"(?:\s+(?:base|anhydre|(?:mono|di|tri|tetra|penta|hexa|hepta|sesqui|hemi)?hydrate|"
    r"(?:di|tri)?sodique|(?:di)?potassique|calcique|magnesique|monosodique|trihydratee|"
    r"hydratee|amorphe|micronise|micronisee|racemique))+$"
)

_STEREO_PREFIX = re.compile(r"^(?:dl|d|l)(?:-|\s+)(?=\w{4})")
_MAX_INN_WORDS = 3
_MIN_HEAD_LETTERS = 5


def inn_name(substance: str) -> str | None:
    """The INN as people write it, lower case with its accents, or None if not a usable name.

    ``"CHLORHYDRATE DE METFORMINE"`` → ``"metformine"``; ``"LÉVOTHYROXINE SODIQUE"`` →
    ``"lévothyroxine"``. Names with digits, more than three words or parentheses (vaccine
    antigens, plant extracts) are left out: nobody writes them in a post.
    """
    name = " ".join(substance.lower().replace("’", "'").split())
    if not name or "(" in name or any(ch.isdigit() for ch in name):
        return None
    stereo = _STEREO_PREFIX.match(name)
    if stereo:  # "L-ARGININE" is written "arginine"
        name = name[stereo.end() :]
    folded = fold(name)
    prefix = _SALT_PREFIX.match(folded)
    if prefix:
        name = name[prefix.end() :]
        folded = folded[prefix.end() :]
    suffix = _SALT_SUFFIX.search(folded)
    if suffix and suffix.start() > 0:
        name = name[: suffix.start()]
    name = name.strip(" ,;:-")
    tokens = key_tokens(name)
    if not tokens or len(tokens) > _MAX_INN_WORDS or sum(map(len, tokens)) < 4:
        return None
    return name


def brand_words(brand: str) -> list[str]:
    """The brand's words with trailing descriptors (``ADULTES``, ``SANS SUCRE``…) trimmed."""
    parts = brand.replace("/", " / ").split()
    while parts and parts[-1] != "/" and all(t in DESCRIPTORS for t in key_tokens(parts[-1])):
        parts.pop()
    if "/" in parts:  # "BORAX / ACIDE BORIQUE ARROW": a combination named after substances
        parts = parts[: parts.index("/")]
    return parts


def is_generic(product: Product) -> bool:
    """Named after one of its own substances ("AMOXICILLINE/ACIDE CLAVULANIQUE ARROW")."""
    head = key_tokens(product.brand)
    if not head:
        return True
    substance_words = {
        t for name in product.substances + product.moieties for t in key_tokens(name)
    }
    return head[0] in substance_words


@dataclass
class _Group:
    """Products merged under one normalised name."""

    products: list[Product] = field(default_factory=list)
    displays: Counter[str] = field(default_factory=Counter)

    def add(self, product: Product, display: str) -> None:
        self.products.append(product)
        self.displays[display] += 1


def _reimbursed(product: Product) -> bool:
    rates = product.commercialised_rates if product.commercialised else ()
    return any(rate > 0 for rate in rates)


def _flags(products: Sequence[Product]) -> int:
    flags = 0
    if any(p.otc for p in products):
        flags |= OTC
    if any(p.commercialised for p in products):
        flags |= COMMERCIALISED
    if any(_reimbursed(p) for p in products):
        flags |= REIMBURSED
    return flags


def _common(word: str, known: set[str]) -> bool:
    """A stop word, or a word of the BDPM's own vocabulary (in the singular or plural)."""
    singular = word[:-1] if word[-1:] in ("s", "x") else word
    return any(form in STOP_WORDS or form in known for form in (word, singular, word + "s"))


def _display(counter: Counter[str]) -> str:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[0][0]


def known_words(directory: Path) -> list[str]:
    """Lower-case words of the BDPM: forms, routes, conditions, pack labels (5 letters or more).

    They keep brand entries that are plain words out ("SUPPOSITOIRE A LA GLYCERINE" gives no
    "suppositoire" brand), and the matcher never spelling-corrects them into a name.
    """
    found: set[str] = set()

    def add(text: str) -> None:
        for token in re.findall(r"[^\W\d_]+", text):
            if token.islower() and len(token) >= 5:
                found.add(fold(token))

    for row in iter_rows(directory / PRODUCTS_FILE):
        for value in row[1:4]:
            add(value)
    for name in (CONDITIONS_FILE, PRESENTATIONS_FILE):
        path = directory / name
        if path.exists():
            for row in iter_rows(path):
                add(row[1] if name == CONDITIONS_FILE else (row[2] if len(row) > 2 else ""))
    return sorted(found)


def build_document(
    products: Iterable[Product],
    *,
    download_date: str = "",
    known: Iterable[str] = (),
) -> dict[str, Any]:
    """The lexicon document (see the module docstring) for these products."""
    usable = [p for p in products if not p.homeopathic]

    # -- substances ---------------------------------------------------------------------------
    inn_groups: dict[tuple[str, ...], _Group] = defaultdict(_Group)
    mono_groups: dict[tuple[str, ...], list[Product]] = defaultdict(list)
    product_inns: dict[str, list[tuple[str, ...]]] = {}
    for product in usable:
        keys: list[tuple[str, ...]] = []
        for moiety in product.moieties:
            name = inn_name(moiety)
            if name is None:
                continue
            key = key_tokens(name)
            inn_groups[key].add(product, name)
            if key not in keys:
                keys.append(key)
        product_inns[product.cis] = keys
        if len(product.moieties) == 1 and keys:
            mono_groups[keys[0]].append(product)

    inn_keys = sorted(inn_groups)
    inn_index = {key: i for i, key in enumerate(inn_keys)}
    inn_rows: list[list[Any]] = []
    for key in inn_keys:
        group = inn_groups[key]
        reference = mono_groups.get(key) or group.products
        statuses = sorted({p.status for p in group.products}, key=STATUS_RANK.__getitem__)
        inn_rows.append(
            [
                _display(group.displays),
                " ".join(key),
                statuses,
                strictest(p.status for p in reference),
                _flags(reference),
            ]
        )

    # -- brands -------------------------------------------------------------------------------
    brand_groups: dict[tuple[str, ...], _Group] = defaultdict(_Group)
    known_set = set(known)
    for product in usable:
        if is_generic(product):
            continue
        brand = brand_words(product.brand)
        key = key_tokens(" ".join(brand))
        if not key:
            continue
        brand_groups[key].add(product, " ".join(brand))
        head = brand[0]
        head_key = key_tokens(head)
        if (
            len(brand) > 1
            and len(head_key) == 1
            and len(head_key[0]) >= _MIN_HEAD_LETTERS
            and not _common(head_key[0], known_set)
        ):
            brand_groups[head_key].add(product, head)
        if len(head_key) > 1 and len(brand) == 1:  # ALKA-SELTZER → alkaseltzer
            brand_groups[("".join(head_key),)].add(product, head)

    brand_rows: list[list[Any]] = []
    for key in sorted(brand_groups):
        if key in inn_index:
            continue  # the INN entry already covers these words
        if len(key) == 1 and _common(key[0], known_set):
            continue  # "SUPPOSITOIRES A LA GLYCERINE": "suppositoires" alone is no brand
        group = brand_groups[key]
        inns: Counter[int] = Counter()
        for product in group.products:
            for inn_key in product_inns.get(product.cis, ()):
                inns[inn_index[inn_key]] += 1
        brand_rows.append(
            [
                _display(group.displays),
                " ".join(key),
                [i for i, _ in sorted(inns.items(), key=lambda item: (-item[1], item[0]))],
                strictest(p.status for p in group.products),
                _flags(group.products),
            ]
        )

    vocabulary = {t for row in inn_rows + brand_rows for t in row[1].split()}
    return {
        "format": FORMAT,
        "source": {
            "dataset": DATASET,
            "producer": PRODUCER,
            "url": URL,
            "files": [
                "CIS_bdpm.txt",
                "CIS_CIP_bdpm.txt",
                "CIS_COMPO_bdpm.txt",
                "CIS_CPD_bdpm.txt",
            ],
            "downloaded": download_date,
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
            "attribution": f"{DATASET}, {URL}, {LICENCE}",
            "modified": (
                "Derived data: brand and substance names normalised, products merged per name, "
                "homeopathic products left out, prescription conditions mapped to a status."
            ),
        },
        "fields": {
            "inns": ["name", "key", "statuses", "status", "flags"],
            "brands": ["name", "key", "inn_indexes", "status", "flags"],
            "flags": {"otc": OTC, "commercialised": COMMERCIALISED, "reimbursed": REIMBURSED},
        },
        "inns": inn_rows,
        "brands": brand_rows,
        "known_words": sorted(set(known) - vocabulary),
    }


def download_date(directory: Path) -> str:
    """The download date the dataset's README gives.

    The shared README says the raw files were "committed in <sha> (YYYY-MM-DD)" to the mirror
    they were taken from: that date is used; otherwise the first ISO date of a "Commit" line.
    """
    readme = directory / "README.md"
    if not readme.exists():
        return ""
    text = readme.read_text(encoding="utf-8", errors="replace")
    committed = re.search(r"committed in\s+\S+\s+\((20\d\d-\d\d-\d\d)\)", text)
    if committed:
        return committed.group(1)
    for line in text.splitlines():
        if line.lstrip("-* ").startswith("Commit"):
            date = re.search(r"\b20\d\d-\d\d-\d\d\b", line)
            if date:
                return date.group()
    return ""


def build(directory: Path, output: Path, *, downloaded: str | None = None) -> dict[str, Any]:
    """Read the BDPM in ``directory``, write the gzip JSON lexicon, return its statistics."""
    directory = Path(directory)
    if downloaded is None:
        downloaded = download_date(directory)
    products = list(read_products(directory))
    known = known_words(directory)
    document = build_document(products, download_date=downloaded, known=known)
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0))
    statuses: Counter[Status] = Counter(row[3] for row in document["brands"])
    return {
        "products": len(products),
        "homeopathic_skipped": sum(p.homeopathic for p in products),
        "brands": len(document["brands"]),
        "inns": len(document["inns"]),
        "known_words": len(document["known_words"]),
        "brand_statuses": dict(statuses),
        "json_bytes": len(payload.encode("utf-8")),
        "gzip_bytes": output.stat().st_size,
        "downloaded": document["source"]["downloaded"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the BDPM medicine lexicon (gzip JSON).")
    parser.add_argument("bdpm_dir", type=Path, help="folder with the four CIS_*.txt files")
    parser.add_argument("output", type=Path, help="the .json.gz file to write")
    parser.add_argument(
        "--downloaded", help="download date of the files (default: read from the README.md)"
    )
    args = parser.parse_args(argv)
    stats = build(args.bdpm_dir, args.output, downloaded=args.downloaded)
    json.dump(stats, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
