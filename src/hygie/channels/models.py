"""Connected social accounts (one Channel per page, profile or inbox of an organisation)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings as django_settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hygie.core.fields import EncryptedTextField
from hygie.core.models import OrgScopedModel


class Network(models.TextChoices):
    """Stable keys, never renamed: they are stored and used in provider folder names."""

    BLUESKY = "bluesky", "Bluesky"
    MASTODON = "mastodon", "Mastodon"
    FACEBOOK_PAGE = "facebook_page", _("Facebook page")
    INSTAGRAM = "instagram", "Instagram"
    LINKEDIN_ORG = "linkedin_org", _("LinkedIn page")
    X = "x", "X"
    GOOGLE_BUSINESS = "google_business", _("Google Business Profile")
    WHATSAPP = "whatsapp", "WhatsApp"
    MATRIX = "matrix", "Matrix"
    EMAIL = "email", _("E-mail")


class ChannelStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
    DISABLED = "disabled", _("Disabled")


class Channel(OrgScopedModel):
    """One connected account on one network. Credentials are encrypted at rest."""

    network = models.CharField(_("network"), max_length=32, choices=Network.choices)
    name = models.CharField(_("name"), max_length=200)
    handle = models.CharField(_("handle"), max_length=255)
    status = models.CharField(
        _("status"), max_length=32, choices=ChannelStatus.choices, default=ChannelStatus.ACTIVE
    )
    # JSON, encrypted: tokens, refresh tokens, app passwords.
    credentials = EncryptedTextField(_("credentials"), blank=True, default="")
    # JSON, not secret: page id, organisation URN, location name, public media URLs…
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    # The API host, when it is the user's own (a Mastodon instance, a Bluesky PDS).
    base_url = models.URLField(_("API address"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    connected_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["network", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "network", "handle"], name="one_channel_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} · {self.name}"

    def credentials_dict(self) -> dict[str, Any]:
        return dict(json.loads(self.credentials)) if self.credentials else {}


class RateLimitState(models.Model):
    """Until when a network asked us to stop calling it, for one channel or a whole app."""

    scope = models.CharField(max_length=100, unique=True)  # "channel:<id>" or "app:<network>"
    blocked_until = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.scope} until {self.blocked_until:%H:%M:%S}"


class PollState(models.Model):
    """Where the last poll of a channel's inbox stopped, and whether a poll is running.

    ``cursor`` is the network's own (opaque) position: it only moves forward, from the value a
    poll started with to the one the network returned, after the messages were stored. A poll
    holds a lease (``lease_token`` until ``lease_until``) so that one channel is polled by one
    worker at a time; a worker that dies leaves a lease that expires.
    """

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="poll_state")
    cursor = models.TextField(_("position"), blank=True)
    lease_token = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # After a failure, not before (exponential backoff); after a rate limit, the network's time.
    next_poll_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_polled_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last received"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.cursor[:40]}"
