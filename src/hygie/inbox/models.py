"""Comments, mentions, direct messages and reviews received on the organisation's channels."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hygie.core.models import OrgScopedModel


class ItemKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    MENTION = "mention", _("Mention")
    DIRECT_MESSAGE = "direct_message", _("Direct message")
    REVIEW = "review", _("Review")


class ItemStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Done")


class InboxItem(OrgScopedModel):
    """One inbound message, as received from the network (its id makes ingestion idempotent)."""

    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="inbox_items"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    external_id = models.CharField(_("network id"), max_length=255)
    author_name = models.CharField(_("author"), max_length=255)
    author_handle = models.CharField(_("author handle"), max_length=255, blank=True)
    text = models.TextField(_("text"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    permalink = models.URLField(_("link"), blank=True)
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.NEW
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="one_item_per_network_id"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-received_at"], name="inbox_org_status")
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:50]}"
