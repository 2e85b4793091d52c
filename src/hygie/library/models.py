"""An organisation's own content templates. Built-in ones are data (data/awareness.json)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hygie.core.models import OrgScopedModel


class ContentTemplate(OrgScopedModel):
    """A post text the organisation keeps to reuse, optionally tied to an awareness date."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    tags = models.CharField(_("tags"), max_length=500, blank=True, help_text=_("Comma-separated."))
    awareness_id = models.CharField(
        _("awareness date"),
        max_length=64,
        blank=True,
        help_text=_("Optional: the awareness date or season this text is for."),
    )

    class Meta:
        verbose_name = _("content template")
        verbose_name_plural = _("content templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]
