"""Posts written once and published to several channels."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hygie.core.models import OrgScopedModel

if TYPE_CHECKING:
    from hygie.channels.models import Channel


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Post(OrgScopedModel):
    """A text for the organisation's channels, with its place on the editorial calendar."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=10_000)
    status = models.CharField(
        _("status"), max_length=16, choices=PostStatus.choices, default=PostStatus.DRAFT
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    channels: models.ManyToManyField[Channel, PostTarget] = models.ManyToManyField(
        "channels.Channel", through="PostTarget", related_name="posts", verbose_name=_("channels")
    )

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "scheduled_at"], name="post_org_when")]

    def __str__(self) -> str:
        first_line = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first_line[:60] or f"post {self.pk}"

    @property
    def calendar_at(self) -> datetime | None:
        return self.published_at or self.scheduled_at


class PostTarget(models.Model):
    """The post on one channel: where it was published, or why it was not."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    external_url = models.URLField(_("published at"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="one_target_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.post} → {self.channel}"
