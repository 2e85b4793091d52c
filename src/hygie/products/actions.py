"""Writes to the product dictionary: BDPM imports and the organisation's own products.

Each is atomic and audited. ``do_import_bdpm`` checks and reads the files before its
transaction opens (a broken file is refused with its name and line, and nothing is written).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.compliance.lexicon.bdpm import Product
from hygie.compliance.lexicon.build import inn_name
from hygie.compliance.rules.catalog import PRODUCT_CATEGORIES, PRODUCT_STATUSES
from hygie.products import bdpm_files
from hygie.products.models import BdpmImport, BdpmProduct, OrgProduct

FIELDS = (
    "name",
    "category",
    "synonyms",
    "inns",
    "statuses",
    "indications",
    "visa_gp",
    "visa_gp_expires",
)
LISTINGS = frozenset({"stupefiant", "liste_i", "liste_ii"})
_BATCH = 1000


class ProductDataError(ActionError):
    """Invalid product data; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# -- BDPM import -------------------------------------------------------------------------------


def _bdpm_row(product: Product) -> BdpmProduct:
    inns = [inn_name(moiety) or moiety.lower() for moiety in product.moieties]
    return BdpmProduct(
        cis=product.cis,
        denomination=product.denomination,
        brand=product.brand[:255],
        inns=list(dict.fromkeys(inns)),
        status=product.status,
        otc=product.otc,
        reimbursed=bdpm_files.is_reimbursed(product),
        commercialised=product.commercialised,
        reimbursement_rates=list(product.reimbursement_rates),
        homeopathic=product.homeopathic,
    )


def do_import_bdpm(directory: Path | str, acting_user: User | None = None) -> BdpmImport:
    """Replace the BDPM dictionary with the files of ``directory`` and keep their lexicon.

    Raises :class:`hygie.products.bdpm_files.BdpmFileError` (an ``ActionError``) naming the file
    and line of the first problem; then nothing is written.
    """
    data = bdpm_files.load(directory)
    payload = json.dumps(data.document, ensure_ascii=False, separators=(",", ":"))
    blob = gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0)
    counts = data.counts()
    files = {name: info.as_json() for name, info in data.files.items()}
    with transaction.atomic():
        previous = BdpmImport.objects.order_by("-id").values("id", "lexicon_version").first()
        BdpmProduct.objects.all().delete()
        BdpmProduct.objects.bulk_create(
            (_bdpm_row(product) for product in data.products), batch_size=_BATCH
        )
        run = BdpmImport.objects.create(
            imported_by=acting_user,
            source_name=data.source_name[:255],
            data_date=data.data_date,
            files=files,
            counts=counts,
            lexicon_version=data.version,
            lexicon=blob,
        )
        replaced = (
            {"import": previous["id"], "version": previous["lexicon_version"]} if previous else None
        )
        record_event(
            "bdpm.imported",
            actor=acting_user,
            target=run,
            before=replaced,
            after={
                "source": run.source_name,
                "data_date": data.data_date,
                "version": run.lexicon_version,
                "files": files,
                "counts": counts,
            },
        )
    return run


# -- the organisation's own products -----------------------------------------------------------


def _summary(product: OrgProduct) -> dict[str, Any]:
    summary = {f: getattr(product, f) for f in FIELDS}
    summary["is_active"] = product.is_active
    return summary


def _names(value: Any) -> list[str]:
    """A list of names from a list or a text (one per line or comma-separated), deduplicated."""
    if value is None:
        return []
    items: Iterable[Any] = re.split(r"[\n,;]", value) if isinstance(value, str) else value
    found: list[str] = []
    seen: set[str] = set()
    for item in items:
        name = " ".join(str(item).split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            found.append(name)
    return found


def status_categories(status: str) -> frozenset[str]:
    """The categories a status applies to, from its catalog description ("medicine: …")."""
    scope = PRODUCT_STATUSES[status].split(":", 1)[0]
    categories = set()
    if "medicine" in scope:
        categories.add("medicine")
    if "device" in scope:
        categories.add("medical_device")
    return frozenset(categories) or frozenset(PRODUCT_CATEGORIES)


def _statuses(value: Any, category: str) -> list[str]:
    statuses = _names(value)
    unknown = [s for s in statuses if s not in PRODUCT_STATUSES]
    if unknown:
        raise ProductDataError(
            _("Unknown status: %(statuses)s") % {"statuses": ", ".join(unknown)}, "statuses"
        )
    misplaced = [s for s in statuses if category not in status_categories(s)]
    if misplaced:
        raise ProductDataError(
            _("These statuses do not apply to this category of product: %(statuses)s")
            % {"statuses": ", ".join(misplaced)},
            "statuses",
        )
    chosen = set(statuses)
    if len(chosen & LISTINGS) > 1:
        raise ProductDataError(
            _("Choose one listing at most: narcotic, list I or list II."), "statuses"
        )
    if "otc" in chosen and chosen & (LISTINGS | {"prescription"}):
        raise ProductDataError(
            _("A product cannot be both available without prescription and prescription-only."),
            "statuses",
        )
    if "unauthorised" in chosen and chosen & {"otc", "reimbursed", "generic"}:
        raise ProductDataError(
            _("A product without marketing authorisation cannot be sold, reimbursed or generic."),
            "statuses",
        )
    return [s for s in PRODUCT_STATUSES if s in chosen]  # the catalog's order


def _clean(
    org: Organization, data: Mapping[str, Any], product: OrgProduct | None
) -> dict[str, Any]:
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        raise ProductDataError(_("A product needs a name."), "name")
    if len(name) > 200:
        raise ProductDataError(_("Keep the name under 200 characters."), "name")
    category = str(data.get("category") or "")
    if category not in PRODUCT_CATEGORIES:
        raise ProductDataError(_("Choose the product's category."), "category")
    indications = data.get("indications") or ""
    if not isinstance(indications, str):
        indications = "\n".join(str(line) for line in indications)
    visa_gp = " ".join(str(data.get("visa_gp") or "").split())
    expires = data.get("visa_gp_expires") or None
    if expires is not None and not isinstance(expires, dt.date):
        raise ProductDataError(_("Give the visa's expiry date as a date."), "visa_gp_expires")
    if visa_gp and category != "medicine":
        raise ProductDataError(_("A visa GP is granted to medicines only."), "visa_gp")
    if len(visa_gp) > 64:
        raise ProductDataError(_("Keep the visa number under 64 characters."), "visa_gp")
    if visa_gp and expires is None:
        raise ProductDataError(
            _("Give the date until which the visa is valid: without it the visa cannot count."),
            "visa_gp_expires",
        )
    if expires is not None and not visa_gp:
        raise ProductDataError(_("Give the visa number, or leave its date empty."), "visa_gp")
    statuses = _statuses(data.get("statuses"), category)
    if visa_gp and "unauthorised" in statuses:
        raise ProductDataError(
            _("A medicine without marketing authorisation cannot have a visa GP."), "visa_gp"
        )
    same_name = OrgProduct.objects.filter(organization=org, name__iexact=name)
    if product is not None:
        same_name = same_name.exclude(pk=product.pk)
    clash = same_name.only("is_active").first()
    if clash is not None and clash.is_active:
        raise ProductDataError(
            _("Your organisation already has a product named “%(name)s”.") % {"name": name},
            "name",
        )
    if clash is not None and product is not None:
        raise ProductDataError(
            _(
                "A removed product is named “%(name)s”: add a new product with that name to "
                "bring it back."
            )
            % {"name": name},
            "name",
        )
    return {
        "name": name,
        "category": category,
        "synonyms": [s for s in _names(data.get("synonyms")) if s.casefold() != name.casefold()],
        "inns": _names(data.get("inns")),
        "statuses": statuses,
        "indications": "\n".join(
            " ".join(line.split()) for line in indications.splitlines() if line.strip()
        ),
        "visa_gp": visa_gp,
        "visa_gp_expires": expires,
    }


@transaction.atomic
def do_save_org_product(
    org: Organization,
    *,
    data: Mapping[str, Any],
    acting_user: User,
    product: OrgProduct | None = None,
) -> OrgProduct:
    """Create a product (``product=None``) or update one of ``org``'s products.

    Creating a product with the name of a removed one brings that one back with the new data
    (the name stays unique in the organisation, and its history stays in one audit trail).
    """
    if product is not None and product.organization_id != org.pk:
        raise ActionError(_("That product belongs to another organisation."))
    values = _clean(org, data, product)
    verb = "org_product.updated"
    if product is None:
        product = (
            OrgProduct.objects.select_for_update()
            .filter(organization=org, name__iexact=values["name"], is_active=False)
            .first()
        )
        verb = "org_product.restored" if product is not None else "org_product.created"
    before = _summary(product) if product is not None else None
    if product is None:
        product = OrgProduct(organization=org)
    elif verb == "org_product.updated" and not product.is_active:
        raise ActionError(_("This product was removed."))
    for field, value in values.items():
        setattr(product, field, value)
    product.is_active = True
    product.save()
    record_event(
        verb,
        actor=acting_user,
        organization=org,
        target=product,
        before=before,
        after=_summary(product),
    )
    return product


@transaction.atomic
def do_remove_org_product(product: OrgProduct, *, acting_user: User) -> OrgProduct:
    """Retire a product (kept for the audit trail and past checks): it no longer counts."""
    if not product.is_active:
        raise ActionError(_("This product was already removed."))
    before = _summary(product)
    product.is_active = False
    product.save(update_fields=["is_active", "updated_at"])
    record_event(
        "org_product.removed",
        actor=acting_user,
        organization=product.organization,
        target=product,
        before=before,
        after=_summary(product),
    )
    return product
