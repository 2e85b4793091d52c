"""People and organisations the community team talks to: opinion leaders, associations, press."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hygie.core.models import OrgScopedModel


class ContactKind(models.TextChoices):
    KOL = "kol", _("Key opinion leader")
    PATIENT_ASSOCIATION = "patient_association", _("Patient association")
    HEALTH_PROFESSIONAL = "health_professional", _("Health professional")
    JOURNALIST = "journalist", _("Journalist")
    INSTITUTION = "institution", _("Institution")
    OTHER = "other", _("Other")


class Contact(OrgScopedModel):
    """A contact of the organisation's register."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=ContactKind.choices)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    handles = models.CharField(
        _("social handles"), max_length=500, blank=True, help_text=_("Comma-separated.")
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
