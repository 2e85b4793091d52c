"""What the compliance checker reads: the medicine lexicon in force and the organisation's
own products.

``product_lexicon()`` is the lexicon of the latest BDPM import, or the one shipped with Hygie
when nothing was imported. It is built once per process and kept: each call costs one small
query (the latest import's id and version), and a newer import, made by any process, replaces
it at the next call.
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.resources
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils import timezone

from hygie.accounts.models import Organization
from hygie.compliance.checker.types import ProductInfo
from hygie.compliance.lexicon.matcher import DATA_PACKAGE, DEFAULT_LEXICON, ProductLexicon
from hygie.products.actions import LISTINGS
from hygie.products.models import BdpmImport, OrgProduct

#: Statuses the BDPM can tell for a medicine. When the organisation set none of them, they are
#: taken from the lexicon entry of the product's name (never "unauthorised",
#: "advertising_restricted" or the other statuses only the organisation knows).
BDPM_STATUSES = LISTINGS | {"prescription", "otc", "reimbursed"}

_Key = tuple[int, str] | None


class _Cache:
    lock = threading.Lock()
    key: _Key = None
    lexicon: ProductLexicon | None = None


def _latest_key() -> _Key:
    row = BdpmImport.objects.order_by("-id").values_list("id", "lexicon_version").first()
    return (row[0], row[1]) if row is not None else None


def _load(key: _Key) -> ProductLexicon:
    if key is None:
        return ProductLexicon.load_default()
    blob = BdpmImport.objects.filter(pk=key[0]).values_list("lexicon", flat=True).get()
    document = json.loads(gzip.decompress(bytes(blob)))
    return ProductLexicon.from_document(document)


def product_lexicon() -> ProductLexicon:
    """The lexicon of the latest BDPM import, else the shipped one; cached in the process."""
    key = _latest_key()
    lexicon = _Cache.lexicon
    if lexicon is not None and _Cache.key == key:
        return lexicon
    with _Cache.lock:
        if _Cache.lexicon is None or _Cache.key != key:
            # The key is (id, version): ids can come back after a rollback, versions differ.
            _Cache.lexicon = _load(key)
            _Cache.key = key
        return _Cache.lexicon


def clear_cache() -> None:
    """Forget the cached lexicon (the next call reloads it)."""
    with _Cache.lock:
        _Cache.key = None
        _Cache.lexicon = None


@lru_cache(maxsize=1)
def bundled_source() -> dict[str, Any]:
    """The ``source`` block of the shipped lexicon (dataset, download date, licence)."""
    resource = importlib.resources.files(DATA_PACKAGE)
    for part in DEFAULT_LEXICON.split("/"):
        resource = resource.joinpath(part)
    document = json.loads(gzip.decompress(resource.read_bytes()))
    return dict(document.get("source") or {})


@dataclass(frozen=True, slots=True)
class DictionaryStatus:
    """Which medicine dictionary is in force, for the product pages."""

    latest: BdpmImport | None
    #: The download date of the BDPM files the shipped lexicon was built from.
    bundled_date: dt.date | None


def dictionary_status() -> DictionaryStatus:
    latest = BdpmImport.objects.defer("lexicon").select_related("imported_by").first()
    source = bundled_source()
    try:
        bundled_date: dt.date | None = dt.date.fromisoformat(str(source.get("downloaded")))
    except ValueError:
        bundled_date = None
    return DictionaryStatus(
        latest=latest,
        bundled_date=bundled_date,
    )


def bdpm_statuses(names: tuple[str, ...], lexicon: ProductLexicon) -> frozenset[str]:
    """The statuses the lexicon gives the first of ``names`` it knows (empty if none)."""
    for name in names:
        entry = lexicon.lookup(name)
        if entry is None:
            continue
        statuses: set[str] = set()
        if entry.status != "none":
            statuses |= {entry.status, "prescription"}
        elif entry.otc:
            statuses.add("otc")
        if entry.reimbursed:
            statuses.add("reimbursed")
        return frozenset(statuses)
    return frozenset()


def effective_statuses(
    product: OrgProduct, lexicon: ProductLexicon | None = None
) -> frozenset[str]:
    """The organisation's statuses; for a medicine with none the BDPM can tell, the BDPM's.

    A listing (narcotic, list I, list II) implies "prescription", as the catalog defines it.
    """
    statuses = set(product.statuses)
    if (
        product.category == "medicine"
        and not statuses & BDPM_STATUSES
        and "unauthorised" not in statuses
    ):
        names = (product.name, *product.synonyms)
        statuses |= bdpm_statuses(names, lexicon or product_lexicon())
    if statuses & LISTINGS:
        statuses.add("prescription")
    return frozenset(statuses)


def product_info(
    product: OrgProduct, *, today: dt.date | None = None, lexicon: ProductLexicon | None = None
) -> ProductInfo:
    """The checker's view of one product. An expired visa GP is left out: it does not count."""
    valid_visa = product.visa_valid_on(today or timezone.localdate())
    return ProductInfo(
        name=product.name,
        category=product.category,
        statuses=effective_statuses(product, lexicon),
        inns=tuple(product.inns),
        synonyms=tuple(product.synonyms),
        indications=tuple(product.indication_list),
        visa_gp=product.visa_gp if valid_visa else "",
        visa_gp_expires=product.visa_gp_expires if valid_visa else None,
    )


def org_products(org: Organization, *, today: dt.date | None = None) -> tuple[ProductInfo, ...]:
    """The organisation's active products, as the compliance checker takes them."""
    products = list(OrgProduct.objects.filter(organization=org, is_active=True).order_by("name"))
    if not products:
        return ()
    lexicon = product_lexicon()
    return tuple(product_info(p, today=today, lexicon=lexicon) for p in products)
