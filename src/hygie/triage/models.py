"""What the triage pipeline said of each inbound message, and each organisation's settings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hygie.core.models import OrgScopedModel


class AbuseAction(models.TextChoices):
    QUEUE = "queue", _("Put in the moderation queue")
    HIDE = "hide", _("Hide on the network and put in the queue")


class MessageTriage(OrgScopedModel):
    """The pipeline's reading of one inbound message, with the model version that made it.

    Written once when the message is stored (``do_triage_item``); a later model gives a new
    reading only through ``hygie manage retriage``, which replaces the row and audits it.
    """

    item = models.OneToOneField("inbox.InboxItem", on_delete=models.CASCADE, related_name="triage")
    model_version = models.CharField(_("model version"), max_length=64)
    lang = models.CharField(_("language"), max_length=8)
    products = models.JSONField(_("medicines"), default=list, blank=True)
    adverse_event = models.BooleanField(_("possible adverse event"), default=False)
    adverse_event_score = models.FloatField(_("adverse-event score"), default=0.0)
    special_situations = models.JSONField(_("special situations"), default=list, blank=True)
    quality_complaint = models.BooleanField(_("quality complaint"), default=False)
    abusive = models.BooleanField(_("abusive"), default=False)
    abusive_score = models.FloatField(_("abuse score"), default=0.0)
    abuse_kinds = models.JSONField(_("kinds of abuse"), default=list, blank=True)
    medical_question = models.BooleanField(_("medical question"), default=False)
    spam = models.BooleanField(_("spam"), default=False)
    sentiment = models.CharField(_("sentiment"), max_length=8)
    minimum_criteria = models.JSONField(_("minimum criteria"), default=dict, blank=True)
    evidence = models.JSONField(_("supporting words"), default=dict, blank=True)

    class Meta:
        verbose_name = _("message triage")
        verbose_name_plural = _("message triages")
        indexes = [
            models.Index(
                fields=["organization", "adverse_event"],
                name="triage_org_ae",
                condition=models.Q(adverse_event=True),
            )
        ]

    def __str__(self) -> str:
        return f"triage of item {self.item_id} ({self.model_version})"


class TriageSettings(OrgScopedModel):
    """How an organisation wants inbound messages read. One row per organisation."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="triage_settings"
    )
    open_cases = models.BooleanField(
        _("open a safety case for each possible adverse event"), default=True
    )
    ae_threshold = models.FloatField(
        _("adverse-event threshold"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: the shipped default. Lower misses fewer events and raises more alarms."
        ),
    )
    abuse_action = models.CharField(
        _("abusive messages"), max_length=8, choices=AbuseAction.choices, default=AbuseAction.QUEUE
    )
    abuse_threshold = models.FloatField(_("abuse threshold"), null=True, blank=True)

    class Meta:
        verbose_name = _("triage settings")
        verbose_name_plural = _("triage settings")

    def __str__(self) -> str:
        return f"triage settings of {self.organization_id}"
