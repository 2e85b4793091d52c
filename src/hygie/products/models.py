"""The product dictionary: the imported BDPM (global) and each organisation's own products.

* :class:`BdpmImport` records one successful import of the official BDPM files (who, when, the
  files' checksums and encodings, the counts) and keeps the compact medicine lexicon built from
  them as one gzip JSON blob (``hygie-bdpm-lexicon/1``, about 80 kB for the whole BDPM): the
  matcher loads it with one query and one ``json.loads``, without rebuilding anything from rows.
* :class:`BdpmProduct` is the dictionary itself, one row per CIS code of the latest import (a
  re-import replaces every row), for lookups and for the people who maintain products.
* :class:`OrgProduct` is what an organisation knows about its own products: the master data the
  compliance checker takes as :class:`hygie.compliance.checker.types.ProductInfo`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hygie.core.models import OrgScopedModel


class BdpmStatus(models.TextChoices):
    """The strictest listing of a medicine's prescription and dispensing conditions."""

    NONE = "none", _("Not listed")
    LISTE_I = "liste_i", _("List I")
    LISTE_II = "liste_ii", _("List II")
    STUPEFIANT = "stupefiant", _("Narcotic")


class BdpmImport(models.Model):
    """One successful import of the BDPM files. A failed import leaves no row."""

    created_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    source_name = models.CharField(_("source folder"), max_length=255)
    data_date = models.DateField(
        _("date of the data"),
        null=True,
        blank=True,
        help_text=_("From the folder's README.md if it gives one, else the newest file's date."),
    )
    #: ``{file name: {"sha256", "bytes", "encoding", "lines"}}``.
    files = models.JSONField(_("files"), default=dict)
    #: ``{"products", "brands", "inns", "statuses": {status: n}, "otc", "reimbursed", …}``.
    counts = models.JSONField(_("counts"), default=dict)
    lexicon_version = models.CharField(_("lexicon version"), max_length=100)
    #: The lexicon document built from the files, gzip-compressed JSON.
    lexicon = models.BinaryField(_("lexicon"), editable=False)

    class Meta:
        verbose_name = _("BDPM import")
        verbose_name_plural = _("BDPM imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.lexicon_version


class BdpmProduct(models.Model):
    """One medicine of the BDPM (one CIS code), as of the latest import."""

    cis = models.CharField(_("CIS code"), max_length=16, unique=True)
    denomination = models.TextField(_("denomination"))
    brand = models.CharField(_("brand"), max_length=255, db_index=True)
    #: Active substances (INN) as people write them, lower case: ``["paracétamol"]``.
    inns = models.JSONField(_("active substances"), default=list)
    status = models.CharField(
        _("prescription status"), max_length=16, choices=BdpmStatus.choices, default="none"
    )
    otc = models.BooleanField(_("available without prescription"), default=False)
    reimbursed = models.BooleanField(_("reimbursed"), default=False)
    commercialised = models.BooleanField(_("marketed"), default=False)
    #: Distinct reimbursement rates (percent) of the product's presentations.
    reimbursement_rates = models.JSONField(_("reimbursement rates"), default=list)
    homeopathic = models.BooleanField(_("homeopathic"), default=False)

    class Meta:
        verbose_name = _("BDPM product")
        verbose_name_plural = _("BDPM products")
        ordering = ["denomination"]

    def __str__(self) -> str:
        return f"{self.cis} {self.denomination}"


class ProductCategory(models.TextChoices):
    """The catalog's product categories (``PRODUCT_CATEGORIES``)."""

    MEDICINE = "medicine", _("Medicine")
    MEDICAL_DEVICE = "medical_device", _("Medical device")
    COSMETIC = "cosmetic", _("Cosmetic")
    FOOD_SUPPLEMENT = "food_supplement", _("Food supplement")


class OrgProduct(OrgScopedModel):
    """A product of the organisation, with what the compliance checker needs to know of it."""

    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=ProductCategory.choices)
    synonyms = models.JSONField(_("other names"), default=list, blank=True)
    inns = models.JSONField(_("active substances (INN)"), default=list, blank=True)
    #: Keys of the catalog's ``PRODUCT_STATUSES`` (validated by the actions).
    statuses = models.JSONField(_("statuses"), default=list, blank=True)
    indications = models.TextField(_("approved indications"), blank=True)
    visa_gp = models.CharField(_("ANSM visa GP number"), max_length=64, blank=True)
    visa_gp_expires = models.DateField(_("visa GP valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="products_orgproduct_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def indication_list(self) -> list[str]:
        return [line.strip() for line in self.indications.splitlines() if line.strip()]

    def visa_valid_on(self, day: dt.date) -> bool:
        """A visa number with an expiry date that is ``day`` or later."""
        return (
            bool(self.visa_gp) and self.visa_gp_expires is not None and self.visa_gp_expires >= day
        )

    @property
    def has_valid_visa(self) -> bool:
        """The visa GP is usable today (in the active time zone): an expired visa does not count."""
        return self.visa_valid_on(timezone.localdate())
