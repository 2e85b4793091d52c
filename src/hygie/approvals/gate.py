"""May this post be published now? One answer for the composer, the scheduler and the engine.

============  ================================================================================
ok, warn      allowed, unless the organisation's workflow applies to every post
needs         an approved, unexpired request whose content hash is the post's current hash
approval
block         the same, and an override by the responsible pharmacist, on that request and that
              content, of every blocking rule found now
============  ================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hygie.approvals.content import content_hash
from hygie.approvals.models import (
    AppliesTo,
    ApprovalRequest,
    ApprovalWorkflow,
    RequestStatus,
)
from hygie.compliance import service as compliance
from hygie.compliance.checker.types import CheckResult
from hygie.publishing.models import Post


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    request: ApprovalRequest | None = None
    #: The compliance check's strongest finding now: block, needs_approval, warn or ok.
    severity: str = "ok"


def compliance_check(post: Post) -> CheckResult:
    """The compliance checker's result for the post as it is now (text and network variants)."""
    return compliance.check_post(post)


def blocking_rules(result: CheckResult) -> list[str]:
    return sorted({f.rule for f in result.findings if f.severity == "block"})


def default_workflow(post: Post) -> ApprovalWorkflow | None:
    return ApprovalWorkflow.objects.filter(
        organization_id=post.organization_id, is_default=True
    ).first()


def _when(value: datetime) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def publication_decision(post: Post, *, now: datetime | None = None) -> Decision:
    """Whether ``post`` may go out as it is now, and why not."""
    now = now or timezone.now()
    result = compliance_check(post)
    severity = result.max_severity
    workflow = default_workflow(post)
    every_post = workflow is not None and workflow.applies_to == AppliesTo.ALL
    if severity in ("ok", "warn") and not every_post:
        return Decision(True, "", None, severity)
    current = content_hash(post)
    requests = ApprovalRequest.objects.filter(post=post).prefetch_related("overrides")
    approved = requests.filter(status=RequestStatus.APPROVED).order_by("-approved_at").first()
    if approved is None:
        pending = requests.filter(status=RequestStatus.PENDING).first()
        if pending is not None:
            return Decision(
                False,
                _("This post is waiting for approval: it can be published once it is signed."),
                pending,
                severity,
            )
        latest = requests.order_by("-requested_at", "-pk").first()
        if latest is not None and latest.status == RequestStatus.VOIDED:
            reason = _("The post changed after it was submitted: submit it for approval again.")
        elif latest is not None and latest.status == RequestStatus.EXPIRED:
            reason = _("The approval expired: submit the post for approval again.")
        elif latest is not None and latest.status == RequestStatus.REJECTED:
            reason = _("The approval was refused: revise the post and submit it again.")
        elif every_post and severity in ("ok", "warn"):
            reason = _("Every post of this organisation needs an approval: submit it first.")
        else:
            reason = _("The compliance check found points that need approval: submit it first.")
        return Decision(False, reason, latest, severity)
    if approved.content_hash != current:
        return Decision(
            False,
            _("The post changed after it was approved: submit it for approval again."),
            approved,
            severity,
        )
    if approved.is_expired(now):
        assert approved.expires_at is not None  # noqa: S101  (is_expired checked it)
        return Decision(
            False,
            _("The approval expired on %(when)s: submit the post for approval again.")
            % {"when": _when(approved.expires_at)},
            approved,
            severity,
        )
    if severity == "block":
        blocking = set(blocking_rules(result))
        covered: set[str] = set()
        for override in approved.overrides.all():
            if override.content_hash == current:
                covered |= set(override.rule_ids)
        missing = sorted(blocking - covered)
        if missing:
            return Decision(
                False,
                _(
                    "Blocked by %(rules)s: only the responsible pharmacist can lift this, "
                    "with a written reason."
                )
                % {"rules": ", ".join(missing)},
                approved,
                severity,
            )
    assert approved.expires_at is not None  # noqa: S101  (set with the approval)
    return Decision(
        True,
        _("Approved until %(when)s.") % {"when": _when(approved.expires_at)},
        approved,
        severity,
    )
