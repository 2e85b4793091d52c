"""Approval workflows, requests and electronic signatures of posts.

A request records, when a post is submitted, everything its reviewers sign: the content (and
its SHA-256, ``content_hash``), the compliance findings, the catalog version and the steps of
the workflow. Each signature carries its manifestation (printed name, date and time, meaning:
21 CFR 11.50) and the hash of the content it was given for, which links it to that content
(11.70): once the post changes, its hash changes and the approval is void.

Signatures and overrides are append-only: the models refuse updates and deletes. A request only
changes status (pending → approved, rejected, voided or expired), each time through an action
that writes an audit event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hygie.accounts.roles import Role
from hygie.core.models import OrgScopedModel

MIN_OVERRIDE_REASON = 20
MAX_VALIDITY_DAYS = 730


SEVERITY_LABELS = {
    "block": _("Blocking"),
    "needs_approval": _("Needs approval"),
    "warn": _("Warning"),
    "ok": _("Nothing found"),
}


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a signature or an override."""


class AppliesTo(models.TextChoices):
    FLAGGED = "flagged", _("Only posts with findings that need approval")
    ALL = "all", _("Every post")


class ApprovalWorkflow(OrgScopedModel):
    """The steps a post goes through before publication, in order (one role per step)."""

    name = models.CharField(_("name"), max_length=120)
    is_default = models.BooleanField(_("default workflow"), default=False)
    validity_days = models.PositiveSmallIntegerField(
        _("approval valid for (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VALIDITY_DAYS)],
    )
    applies_to = models.CharField(
        _("applies to"), max_length=16, choices=AppliesTo.choices, default=AppliesTo.FLAGGED
    )

    class Meta:
        verbose_name = _("approval workflow")
        verbose_name_plural = _("approval workflows")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_default=True),
                name="one_default_workflow_per_org",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowStep(models.Model):
    """One signature the workflow asks for: who (a role) and what it means."""

    workflow = models.ForeignKey(ApprovalWorkflow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    meaning = models.CharField(_("meaning of the signature"), max_length=200)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "position"], name="one_step_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_role_display()}: {self.meaning}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for signatures")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    VOIDED = "voided", _("Voided")
    EXPIRED = "expired", _("Expired")


LIVE_STATUSES = (RequestStatus.PENDING, RequestStatus.APPROVED)


class ApprovalRequest(OrgScopedModel):
    """One submission of one version of a post to a workflow.

    ``steps`` is the workflow's steps as they were at submission ([{position, role, meaning}]):
    editing the workflow later does not change what a request in progress asks for.
    ``content`` is the canonical content that ``content_hash`` was computed from (what the
    reviewers see and sign); ``findings`` the compliance check of that content.
    """

    post = models.ForeignKey(
        "publishing.Post", on_delete=models.CASCADE, related_name="approval_requests"
    )
    workflow = models.ForeignKey(
        ApprovalWorkflow, on_delete=models.PROTECT, related_name="requests"
    )
    steps = models.JSONField(_("steps"))
    validity_days = models.PositiveSmallIntegerField(_("approval valid for (days)"))
    content = models.JSONField(_("content submitted"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    requested_at = models.DateTimeField(_("submitted"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    expires_at = models.DateTimeField(_("approval expires"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.CharField(_("why it closed"), max_length=300, blank=True)
    findings = models.JSONField(_("compliance check at submission"))
    max_severity = models.CharField(_("strongest finding"), max_length=16)
    catalog_version = models.CharField(_("rules catalog version"), max_length=32)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=models.Q(status__in=["pending", "approved"]),
                name="one_live_approval_per_post",
            )
        ]
        indexes = [models.Index(fields=["organization", "status"], name="approval_org_status")]

    def __str__(self) -> str:
        return f"approval {self.pk} of {self.post}"

    def is_expired(self, now: datetime | None = None) -> bool:
        return (
            self.status == RequestStatus.APPROVED
            and self.expires_at is not None
            and self.expires_at <= (now or timezone.now())
        )

    def approving_positions(self) -> set[int]:
        return {
            s.step
            for s in self.signatures.all()
            if s.decision == SignDecision.APPROVE and s.content_hash == self.content_hash
        }

    def next_step(self) -> dict[str, Any] | None:
        """The first step without an approving signature, while the request is pending."""
        if self.status != RequestStatus.PENDING:
            return None
        done = self.approving_positions()
        for step in sorted(self.steps, key=lambda s: int(s["position"])):
            if int(step["position"]) not in done:
                return dict(step)
        return None

    def step_rows(self) -> list[dict[str, Any]]:
        """Each step with its role's label and its signature, if signed (for the pages)."""
        signed = {s.step: s for s in self.signatures.all()}
        nxt = self.next_step()
        return [
            {
                "position": int(step["position"]),
                "role": step["role"],
                "role_label": Role(step["role"]).label,
                "meaning": step["meaning"],
                "signature": signed.get(int(step["position"])),
                "is_next": nxt is not None and nxt["position"] == step["position"],
            }
            for step in sorted(self.steps, key=lambda s: int(s["position"]))
        ]


class SignDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("signatures and overrides cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("signatures and overrides cannot be deleted")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("signatures and overrides cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("signatures and overrides cannot be deleted")


class Signature(AppendOnlyModel):
    """An electronic signature of one step: who, the printed name, when, what it means, and the
    content (hash) it was given for."""

    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="signatures"
    )
    step = models.PositiveSmallIntegerField(_("step"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(_("printed name of the signer"), max_length=150)
    meaning = models.CharField(_("meaning of the signature"), max_length=200)
    decision = models.CharField(_("decision"), max_length=8, choices=SignDecision.choices)
    comment = models.TextField(_("comment"), blank=True)
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    signed_at = models.DateTimeField(_("signed"))
    method = models.CharField(_("identity checked with"), max_length=32)

    objects: ClassVar[models.Manager[Signature]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], name="one_signature_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.signer_name}: {self.meaning} ({self.decision})"


class BlockOverride(AppendOnlyModel):
    """The responsible pharmacist lifts blocking findings of one version of a post, in writing."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="overrides")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_name = models.CharField(_("printed name"), max_length=150)
    reason = models.TextField(_("reason"))
    rule_ids = models.JSONField(_("rules overridden"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    at = models.DateTimeField(_("overridden"))
    method = models.CharField(_("identity checked with"), max_length=32)

    objects: ClassVar[models.Manager[BlockOverride]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("block override")
        verbose_name_plural = _("block overrides")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"override by {self.by_name}: {', '.join(self.rule_ids)}"
