"""Posts written once and published to several channels."""

from __future__ import annotations

import secrets
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


class Campaign(OrgScopedModel):
    """A theme of the communication strategy that posts belong to (Mois sans tabac, a launch)."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("goal"), blank=True)
    color = models.CharField(_("colour"), max_length=7, default="#0f766e")
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class PostingSlot(OrgScopedModel):
    """A recurring time to publish ("every Tuesday at 18:00"): the queue fills these in order."""

    weekday = models.PositiveSmallIntegerField(
        _("day"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    time = models.TimeField(_("time"))

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "weekday", "time"], name="one_slot_per_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.time:%H:%M}"


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
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("campaign"),
    )
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

    def text_for(self, network: str) -> str:
        """The text to publish on ``network``: its variant if there is one."""
        for variant in self.variants.all():
            if variant.network == network and variant.text.strip():
                return variant.text
        return self.text


class PostVariant(models.Model):
    """The post's text adapted for one network (shorter for X, hashtags for Instagram…)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    network = models.CharField(_("network"), max_length=32)
    text = models.TextField(_("text"), max_length=10_000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "network"], name="one_variant_per_network")
        ]

    def __str__(self) -> str:
        return f"{self.post} ({self.network})"


class TargetStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")


class PostTarget(models.Model):
    """The post on one channel: where it was published, or why it was not."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=TargetStatus.choices, default=TargetStatus.PENDING
    )
    external_id = models.CharField(_("network id"), max_length=500, blank=True)
    external_url = models.URLField(_("published at"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="one_target_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.post} → {self.channel}"


class AttemptStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    RETRY = "retry", _("Waiting to retry")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    ABANDONED = "abandoned", _("Abandoned")


ACTIVE_ATTEMPT_STATUSES = [
    AttemptStatus.QUEUED,
    AttemptStatus.SENDING,
    AttemptStatus.RETRY,
    AttemptStatus.UNCONFIRMED,
]


class OutboxAttempt(models.Model):
    """The outbox row of one network write (a publication, a reply), written before any call.

    What the exactly-once engine (publishing/engine.py) needs: a status claimed with one
    conditional UPDATE, the claim's time (the fencing token), the tries, the error and the
    network's answer. Its id makes the idempotency key of every try of the same attempt.
    """

    status = models.CharField(
        max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.QUEUED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    next_try_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=255, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveIntegerField(default=0)
    error_kind = models.CharField(max_length=32, blank=True)
    error_message = models.TextField(blank=True)
    lookup_note = models.TextField(blank=True)
    external_id = models.CharField(max_length=500, blank=True)
    external_url = models.URLField(max_length=500, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"attempt {self.pk} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"hygie-attempt-{self.pk}"


class PublishAttempt(OutboxAttempt):
    """One decision to publish a post on a channel, written before any network call.

    Its id is the idempotency key of every try: retries of the same attempt can never create a
    second post on networks that honour the key. A new attempt exists only when a person asks
    for one after a failure or an unconfirmed outcome.
    """

    target = models.ForeignKey(PostTarget, on_delete=models.CASCADE, related_name="attempts")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target"],
                condition=models.Q(status__in=ACTIVE_ATTEMPT_STATUSES),
                name="one_active_attempt_per_target",
            )
        ]
        indexes = [models.Index(fields=["status", "next_try_at"], name="attempt_due")]


def _public_token() -> str:
    return secrets.token_urlsafe(24)


class PostMedia(models.Model):
    """An image of a post, with the description read aloud to people who cannot see it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to="posts/%Y/%m/")
    filename = models.CharField(max_length=200)
    mime_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    alt_text = models.TextField(_("image description"), max_length=1500)
    position = models.PositiveSmallIntegerField(default=0)
    # Instagram and Google fetch images from a public URL: /media/p/<token>/ (unguessable).
    public_token = models.CharField(max_length=40, unique=True, default=_public_token)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.filename
