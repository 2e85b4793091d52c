"""Possible adverse events reported from inbound messages, tracked until forwarded."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hygie.core.models import OrgScopedModel


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FORWARDED = "forwarded", _("Forwarded to safety")
    CLOSED = "closed", _("Closed, not a case")


class SafetyCase(OrgScopedModel):
    """A possible adverse event. The source is snapshotted when the case opens, before any
    moderation can hide or delete it; day zero is when the message first reached Hygie."""

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    source_item = models.ForeignKey(
        "inbox.InboxItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_snapshot = models.JSONField(_("source as received"))
    day_zero = models.DateTimeField(_("day zero"))
    due_at = models.DateTimeField(_("forward before"))
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("safety case")
        verbose_name_plural = _("safety cases")
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["source_item"], name="one_case_per_message")]

    def __str__(self) -> str:
        return self.reference
