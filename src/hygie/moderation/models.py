"""Moderation: evidence kept before anything is hidden or deleted, rules, the queue, the log.

* ``Evidence``: an immutable snapshot of a received message (text, author, time, permalink),
  with the SHA-256 of its content, taken before any hide or delete and before an item enters
  the queue. The model refuses updates and deletes, and a database trigger refuses updates.
* ``ModerationRule``: "messages matching … are hidden (or deleted, or only queued)".
* ``QueueEntry``: a message put in front of a person, with its reason (a rule, later a
  classifier and its score) and what was done on the network; the person confirms or restores.
* ``ModerationLog``: each action asked of a network, with its outcome. Whether an item is hidden
  or deleted, or its author blocked, is read from these rows (``state.py``): the inbox's own
  tables are not changed, and an item is never removed.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hygie.core.models import OrgScopedModel
from hygie.inbox.models import ItemKind


class ImmutableError(Exception):
    """Raised when code tries to change or delete a piece of evidence."""


class EvidenceQuerySet(models.QuerySet["Evidence"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ImmutableError("evidence cannot be changed")

    def delete(self) -> NoReturn:
        raise ImmutableError("evidence cannot be deleted")


class Evidence(OrgScopedModel):
    """A received message exactly as it was when Hygie acted on it (never changed)."""

    item = models.ForeignKey(
        "inbox.InboxItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("message")
    )
    network = models.CharField(_("network"), max_length=32)
    channel_name = models.CharField(_("channel"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    external_id = models.CharField(_("network id"), max_length=255)
    text = models.TextField(_("text"))
    author_name = models.CharField(_("author"), max_length=255)
    author_handle = models.CharField(_("author handle"), max_length=255, blank=True)
    author_external_id = models.CharField(_("author network id"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received"))
    permalink = models.URLField(_("link"), max_length=500, blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    taken_at = models.DateTimeField(_("taken"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    # Who or what asked for it when no member did ("rule: …", "classifier: …").
    taken_for = models.CharField(_("taken for"), max_length=255, blank=True)

    objects: ClassVar[models.Manager[Evidence]] = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["item", "-taken_at"], name="evidence_item_taken")]

    def __str__(self) -> str:
        return f"{self.author_name} · {self.received_at:%Y-%m-%d %H:%M} · {self.sha256[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("evidence cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableError("evidence cannot be deleted")


class MatchKind(models.TextChoices):
    WORDS = "words", _("Words or phrases")
    REGEX = "regex", _("Regular expression")


class RuleAction(models.TextChoices):
    """What happens to a message a rule (or, later, a classifier) singles out."""

    QUEUE = "queue", _("Send to the moderation queue only")
    HIDE = "hide", _("Hide and send to the moderation queue")
    DELETE = "delete", _("Delete and send to the moderation queue")


class ModerationRule(OrgScopedModel):
    """Messages matching ``pattern`` on these channels and kinds get ``action``."""

    name = models.CharField(_("name"), max_length=120)
    match_kind = models.CharField(
        _("match"), max_length=8, choices=MatchKind.choices, default=MatchKind.WORDS
    )
    # One word or phrase per line (case, accents and punctuation ignored, whole words), or one
    # regular expression (case ignored).
    pattern = models.TextField(_("words or expression"))
    channels = models.ManyToManyField(
        "channels.Channel", blank=True, related_name="+", verbose_name=_("channels")
    )
    # ItemKind values; empty: every kind.
    kinds = models.JSONField(_("kinds of message"), default=list, blank=True)
    action = models.CharField(
        _("action"), max_length=8, choices=RuleAction.choices, default=RuleAction.QUEUE
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("moderation rule")
        verbose_name_plural = _("moderation rules")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="one_rule_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class QueueStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    CONFIRMED = "confirmed", _("Confirmed")
    RESTORED = "restored", _("Restored")


class QueueEntry(OrgScopedModel):
    """A message in front of a person: why it is there, what was done, what they decided.

    ``reason`` is machine-readable: ``rule:<id>`` or ``classifier:<name>`` (with ``score``);
    ``reason_label`` is what the reviewer reads (the rule's name when it matched).
    """

    item = models.ForeignKey(
        "inbox.InboxItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("message")
    )
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, related_name="+", verbose_name=_("evidence")
    )
    rule = models.ForeignKey(
        ModerationRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("rule"),
    )
    reason = models.CharField(_("reason"), max_length=100)
    reason_label = models.CharField(_("reason"), max_length=200)
    score = models.FloatField(_("score"), null=True, blank=True)
    matched_text = models.CharField(_("matched"), max_length=200, blank=True)
    planned_action = models.CharField(
        _("asked"), max_length=8, choices=RuleAction.choices, default=RuleAction.QUEUE
    )
    # What was done on the network when the entry was made ("", "hide" or "delete").
    action_taken = models.CharField(_("done on the network"), max_length=8, blank=True)
    action_error = models.TextField(_("network error"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=QueueStatus.choices, default=QueueStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("moderation queue entry")
        verbose_name_plural = _("moderation queue entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A message is in front of a person once at a time.
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status="pending"),
                name="one_pending_entry_per_item",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-id"], name="modqueue_org_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reason_label} · {self.get_status_display()}"

    @property
    def reason_kind(self) -> str:
        """``rule``, ``classifier`` or ``manual``."""
        return self.reason.split(":", 1)[0]


class ActionKind(models.TextChoices):
    """The values of ``providers.inbound.ModerationAction``, with labels."""

    HIDE = "hide", _("Hide")
    UNHIDE = "unhide", _("Show again")
    DELETE = "delete", _("Delete")
    BLOCK = "block", _("Block the author")


class Outcome(models.TextChoices):
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ModerationLog(OrgScopedModel):
    """One action asked of a network (hide, unhide, delete, block), and how it ended.

    Written (``sending``) with its evidence before the network is called, then completed: a
    row left ``sending`` means the worker stopped during the call (check the network).
    """

    item = models.ForeignKey(
        "inbox.InboxItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("message")
    )
    # The inbox Author's id (a plain number, not a foreign key, so that this app depends only
    # on the inbox's first migration): whose block this is.
    author_ref = models.BigIntegerField(_("author"), null=True, blank=True)
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, related_name="+", verbose_name=_("evidence")
    )
    entry = models.ForeignKey(
        QueueEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="logs",
        verbose_name=_("queue entry"),
    )
    action = models.CharField(_("action"), max_length=8, choices=ActionKind.choices)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.SENDING
    )
    error_kind = models.CharField(_("error kind"), max_length=32, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["item", "outcome", "id"], name="modlog_item_outcome"),
            models.Index(fields=["author_ref", "action", "outcome"], name="modlog_author_action"),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.item_id}: {self.outcome}"
