"""Approvals: submit a post, sign a step, lift a block, void on edit, expire; edit workflows.

Each write is atomic and audited. Signing and overriding re-check the person's identity
(password, and the authenticator code when they have one): ``do_sign`` and
``do_override_block`` run their checks in one transaction that always commits, and raise the
refusal only afterwards, so a failed attempt, or a request voided because its post changed,
stays in the audit trail (call them outside any enclosing transaction that the refusal would
roll back).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError, do_verify_second_factor
from hygie.accounts.models import MemberRole, Organization, User
from hygie.accounts.roles import Role
from hygie.approvals.content import canonical_content, content_hash, hash_content
from hygie.approvals.gate import blocking_rules, compliance_check
from hygie.approvals.models import (
    LIVE_STATUSES,
    MAX_VALIDITY_DAYS,
    MIN_OVERRIDE_REASON,
    AppliesTo,
    ApprovalRequest,
    ApprovalWorkflow,
    BlockOverride,
    RequestStatus,
    Signature,
    SignDecision,
    WorkflowStep,
)
from hygie.audit.log import record_event
from hygie.audit.models import AuditEvent
from hygie.compliance.checker.types import CheckResult, Finding
from hygie.publishing.models import Post, PostStatus

#: Roles a workflow step may ask for (the others cannot read posts, or only write them).
SIGNING_ROLES = (
    Role.COMMUNITY_MANAGER,
    Role.REVIEWER_MEDICAL,
    Role.REVIEWER_LEGAL,
    Role.REVIEWER_REGULATORY,
    Role.RESPONSIBLE_PHARMACIST,
    Role.OWNER,
)
MAX_STEPS = 8
#: Identity checks failed by one person within the window before signing is refused for a while.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
FAILURE_VERB = "signature.identity_failed"

DEFAULT_WORKFLOW_NAME = "Circuit de validation"
# Stored data, not interface text: the meaning is part of what each reviewer signs.
PHARMACY_STEPS = (
    (Role.COMMUNITY_MANAGER, "Relecture éditoriale : texte conforme à la ligne de l'officine"),
    (Role.RESPONSIBLE_PHARMACIST, "Approuvé pour publication par le pharmacien titulaire"),
)
COMPANY_STEPS = (
    (Role.REVIEWER_MEDICAL, "Relecture médicale : exactitude scientifique et médicale"),
    (Role.REVIEWER_REGULATORY, "Relecture réglementaire : conformité à la publicité"),
    (Role.RESPONSIBLE_PHARMACIST, "Approuvé pour publication par le pharmacien responsable"),
)


# --- helpers ---------------------------------------------------------------------------------


def roles_in(org: Organization, user: User) -> set[str]:
    """The roles ``user`` holds in ``org`` through an active membership."""
    return set(
        MemberRole.objects.filter(
            membership__organization=org, membership__user=user, membership__is_active=True
        ).values_list("role", flat=True)
    )


def _finding_source(result: CheckResult, finding: Finding) -> tuple[str, str]:
    """The network whose own text the finding was found in ("" for the main text), and that
    text: offsets of a finding point into the text that was checked."""
    for network, checked in (result.extra.get("networks") or {}).items():
        if checked.text != result.text and finding in checked.findings:
            return str(network), str(checked.text)
    return "", result.text


def findings_snapshot(result: CheckResult) -> dict[str, Any]:
    """The compliance check as JSON: the text checked, each finding (rule, severity, spans,
    message, cited sources) and the mandatory mentions to add or confirm."""
    whole = (0, len(result.text))
    findings = []
    for f in result.findings:
        network, text = _finding_source(result, f)
        findings.append(
            {
                "rule": f.rule,
                "severity": f.severity,
                "network": network,
                "start": f.start,
                "end": f.end,
                # Highlighted in the main text only; a variant's finding shows its excerpt.
                "spans": []
                if network
                else [[s.start, s.end] for s in f.spans if (s.start, s.end) != whole],
                "excerpt": text[f.start : f.end][:300] if (f.start, f.end) != whole else "",
                "title": f.title,
                "message": f.message,
                "suggestion": f.suggestion,
                "does_not_fit": f.does_not_fit,
                "exemption": f.exemption,
                "detected_by": f.source,
                "sources": [
                    {"label": c.label(), "url": c.url, "verified": c.verified} for c in f.citations
                ],
            }
        )
    return {
        "text": result.text,
        "lang": result.lang,
        "findings": findings,
        "mentions": [
            {"id": m.id, "label": m.label, "text": m.text, "check": m.check}
            for m in result.mentions
        ],
    }


def _workflow_summary(workflow: ApprovalWorkflow) -> dict[str, Any]:
    return {
        "name": workflow.name,
        "is_default": workflow.is_default,
        "validity_days": workflow.validity_days,
        "applies_to": workflow.applies_to,
        "steps": [[s.role, s.meaning] for s in workflow.steps.all()],
    }


def _close(
    approval: ApprovalRequest, status: str, reason: str, *, actor: User | None, verb: str
) -> None:
    before = approval.status
    approval.status = status
    approval.closed_at = timezone.now()
    approval.close_reason = reason[:300]
    approval.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    record_event(
        verb,
        actor=actor,
        organization=approval.organization,
        target=approval,
        before={"status": before},
        after={"status": status, "reason": reason, "content_hash": approval.content_hash},
        context={"post": approval.post_id},
    )


def _void(approval: ApprovalRequest, current_hash: str, *, actor: User | None) -> None:
    _close(
        approval,
        RequestStatus.VOIDED,
        f"content changed (now {current_hash})",
        actor=actor,
        verb="approval.voided",
    )


def _refuse(approval: ApprovalRequest, actor: User, verb: str, why: str, message: str) -> str:
    record_event(
        verb,
        actor=actor,
        organization=approval.organization,
        target=approval,
        after={"refused": why},
    )
    return message


class _IdentityRefused(Exception):
    """The person signing could not prove who they are (the message says why)."""


def _verify_identity(approval: ApprovalRequest, user: User, password: str, code: str) -> str:
    """The method that proved who signs (``password+totp`` or ``password``), or raise
    ``_IdentityRefused`` after recording the failure."""
    since = timezone.now() - FAILURE_WINDOW
    failures = AuditEvent.objects.filter(
        verb=FAILURE_VERB, actor=user, created_at__gte=since
    ).count()
    if failures >= MAX_FAILURES:
        record_event(
            "signature.locked_out",
            actor=user,
            organization=approval.organization,
            target=approval,
            after={"failures_in_window": failures},
        )
        raise _IdentityRefused(_("Too many failed attempts: wait 15 minutes before signing again."))

    def failed(what: str, message: str) -> _IdentityRefused:
        record_event(
            FAILURE_VERB,
            actor=user,
            organization=approval.organization,
            target=approval,
            after={"failed": what, "failures_in_window": failures + 1},
        )
        return _IdentityRefused(message)

    if not password or not user.check_password(password):
        raise failed("password", _("Wrong password: nothing was signed."))
    if user.has_two_factor:
        cleaned = code.strip().replace(" ", "")
        # Only a code of the authenticator: a recovery code is for signing in, not for signing.
        if not (len(cleaned) == 6 and cleaned.isdigit()) or not do_verify_second_factor(
            user, cleaned
        ):
            raise failed(
                "second_factor",
                _("Wrong or already used authenticator code: wait for the next one."),
            )
        return "password+totp"
    if user.requires_two_factor:
        raise _IdentityRefused(
            _("Your role requires two-factor authentication: set it up before signing.")
        )
    return "password"


# --- workflows ---------------------------------------------------------------------------------


def _create_steps(workflow: ApprovalWorkflow, steps: Iterable[tuple[str, str]]) -> None:
    WorkflowStep.objects.bulk_create(
        WorkflowStep(workflow=workflow, position=i, role=role, meaning=meaning)
        for i, (role, meaning) in enumerate(steps, start=1)
    )


@transaction.atomic
def do_create_default_workflow(org: Organization, *, acting_user: User | None) -> ApprovalWorkflow:
    """The organisation's default workflow; created on first use if it has none.

    A pharmacy: community manager, then the pharmacien titulaire. A company: medical review,
    regulatory review, then the pharmacien responsable.
    """
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    existing = ApprovalWorkflow.objects.filter(organization=org, is_default=True).first()
    if existing is not None:
        return existing
    workflow = ApprovalWorkflow.objects.create(
        organization=org, name=DEFAULT_WORKFLOW_NAME, is_default=True
    )
    _create_steps(workflow, PHARMACY_STEPS if org.is_pharmacy else COMPANY_STEPS)
    record_event(
        "approval_workflow.created",
        actor=acting_user,
        organization=org,
        target=workflow,
        after=_workflow_summary(workflow),
    )
    return workflow


@transaction.atomic
def do_save_workflow(
    org: Organization,
    *,
    name: str,
    applies_to: str,
    validity_days: int,
    is_default: bool,
    steps: Sequence[tuple[str, str]],
    acting_user: User,
    workflow: ApprovalWorkflow | None = None,
) -> ApprovalWorkflow:
    """Create or change a workflow. Requests in progress keep the steps they were given."""
    if workflow is not None and workflow.organization_id != org.pk:
        raise ActionError(_("That workflow belongs to another organisation."))
    name = name.strip()
    if not name:
        raise ActionError(_("Give the workflow a name."))
    if applies_to not in AppliesTo.values:
        raise ActionError(_("Unknown choice of posts."))
    if not 1 <= validity_days <= MAX_VALIDITY_DAYS:
        raise ActionError(
            _("An approval is valid for 1 to %(max)s days.") % {"max": MAX_VALIDITY_DAYS}
        )
    cleaned = [(role, meaning.strip()) for role, meaning in steps]
    if not cleaned:
        raise ActionError(_("A workflow needs at least one step."))
    if len(cleaned) > MAX_STEPS:
        raise ActionError(_("A workflow has %(max)s steps at most.") % {"max": MAX_STEPS})
    for role, meaning in cleaned:
        if role not in SIGNING_ROLES:
            raise ActionError(_("This role cannot sign a step: %(role)s") % {"role": role})
        if not meaning or len(meaning) > 200:
            raise ActionError(_("Each step needs the meaning of its signature (200 characters)."))
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    before = _workflow_summary(workflow) if workflow is not None else None
    if workflow is not None and workflow.is_default and not is_default:
        raise ActionError(
            _("The organisation needs a default workflow: make another one the default instead.")
        )
    if is_default:
        others = ApprovalWorkflow.objects.filter(organization=org, is_default=True)
        if workflow is not None:
            others = others.exclude(pk=workflow.pk)
        others.update(is_default=False, updated_at=timezone.now())
    if workflow is None:
        workflow = ApprovalWorkflow(organization=org)
    workflow.name = name
    workflow.applies_to = applies_to
    workflow.validity_days = validity_days
    workflow.is_default = is_default
    workflow.save()
    workflow.steps.all().delete()
    _create_steps(workflow, cleaned)
    record_event(
        "approval_workflow.saved",
        actor=acting_user,
        organization=org,
        target=workflow,
        before=before,
        after=_workflow_summary(workflow),
    )
    return workflow


# --- requests ----------------------------------------------------------------------------------


@transaction.atomic
def do_submit_for_approval(post: Post, *, acting_user: User) -> ApprovalRequest:
    """Send the post, as it is now, through the organisation's default workflow."""
    post = Post.objects.select_for_update().select_related("organization").get(pk=post.pk)
    if post.status in (PostStatus.PUBLISHED, PostStatus.CANCELLED):
        raise ActionError(_("A published or cancelled post cannot be submitted for approval."))
    if not post.text.strip():
        raise ActionError(_("A post needs some text."))
    workflow = do_create_default_workflow(post.organization, acting_user=acting_user)
    steps = [
        {"position": s.position, "role": s.role, "meaning": s.meaning} for s in workflow.steps.all()
    ]
    if not steps:
        raise ActionError(_("The approval workflow has no step: ask an administrator."))
    content = canonical_content(post)
    current = hash_content(content)
    now = timezone.now()
    for live in ApprovalRequest.objects.select_for_update().filter(
        post=post, status__in=LIVE_STATUSES
    ):
        if live.content_hash != current:
            _void(live, current, actor=acting_user)
        elif live.is_expired(now):
            _close(live, RequestStatus.EXPIRED, "expired", actor=None, verb="approval.expired")
        elif live.status == RequestStatus.PENDING:
            raise ActionError(_("This post is already waiting for approval."))
        else:
            raise ActionError(_("This version of the post is already approved."))
    result = compliance_check(post)
    approval = ApprovalRequest.objects.create(
        organization=post.organization,
        post=post,
        workflow=workflow,
        steps=steps,
        validity_days=workflow.validity_days,
        content=content,
        content_hash=current,
        requested_by=acting_user,
        requested_at=now,
        findings=findings_snapshot(result),
        max_severity=result.max_severity,
        catalog_version=result.catalog_version,
    )
    record_event(
        "approval.submitted",
        actor=acting_user,
        organization=post.organization,
        target=approval,
        after={
            "post": post.pk,
            "workflow": workflow.name,
            "steps": [[s["role"], s["meaning"]] for s in steps],
            "content_hash": current,
            "max_severity": result.max_severity,
            "findings": [[f.rule, f.severity] for f in result.findings],
            "catalog_version": result.catalog_version,
        },
    )
    return approval


def do_sign(
    approval: ApprovalRequest,
    *,
    signer: User,
    password: str,
    totp_code: str,
    decision: str,
    meaning_confirmed: bool,
    comment: str = "",
    step: int | None = None,
) -> Signature:
    """Sign the next step of a pending request (approve or reject), or raise ActionError.

    Refused: a request no longer pending, a step out of order, a signer without the step's
    role, the post's author or submitter (segregation of duties), an unconfirmed meaning, a
    wrong password or authenticator code, and a post whose content changed since it was
    submitted (the request is voided). The last approval approves the request until
    ``validity_days`` from now; a rejection ends it.
    """
    outcome = _sign(
        approval,
        signer=signer,
        password=password,
        totp_code=totp_code,
        decision=decision,
        meaning_confirmed=meaning_confirmed,
        comment=comment.strip(),
        step=step,
    )
    if isinstance(outcome, str):
        raise ActionError(outcome)
    return outcome


@transaction.atomic
def _sign(
    approval: ApprovalRequest,
    *,
    signer: User,
    password: str,
    totp_code: str,
    decision: str,
    meaning_confirmed: bool,
    comment: str,
    step: int | None,
) -> Signature | str:
    approval = (
        ApprovalRequest.objects.select_for_update()
        .select_related("organization", "post")
        .get(pk=approval.pk)
    )
    refused = "approval.sign_refused"
    if approval.status != RequestStatus.PENDING:
        return _refuse(
            approval,
            signer,
            refused,
            "not_pending",
            _("This request is %(status)s: it cannot be signed any more.")
            % {"status": approval.get_status_display().lower()},
        )
    if decision not in SignDecision.values:
        return _refuse(approval, signer, refused, "decision", _("Choose approve or reject."))
    current_step = approval.next_step()
    if current_step is None:  # pragma: no cover  (a pending request always has a step left)
        return _refuse(approval, signer, refused, "no_step", _("Nothing is left to sign."))
    roles = roles_in(approval.organization, signer)
    position = int(current_step["position"])
    later = [s for s in approval.steps if int(s["position"]) > position and s["role"] in roles]
    if (step is not None and step != position) or (current_step["role"] not in roles and later):
        return _refuse(
            approval,
            signer,
            refused,
            "out_of_order",
            _("Step %(n)s (%(role)s) must be signed first.")
            % {"n": position, "role": Role(current_step["role"]).label},
        )
    if current_step["role"] not in roles:
        return _refuse(
            approval,
            signer,
            refused,
            "role",
            _("This step is signed by a member with the role: %(role)s.")
            % {"role": Role(current_step["role"]).label},
        )
    if signer.pk in (approval.post.author_id, approval.requested_by_id):
        return _refuse(
            approval,
            signer,
            refused,
            "author",
            _("You wrote or submitted this post: another person must sign it."),
        )
    if not meaning_confirmed:
        return _refuse(
            approval,
            signer,
            refused,
            "meaning",
            _("Confirm the meaning of your signature."),
        )
    if decision == SignDecision.REJECT and not comment:
        return _refuse(
            approval, signer, refused, "comment", _("Say why you reject it, in the comment.")
        )
    current = content_hash(approval.post)
    if current != approval.content_hash:
        _void(approval, current, actor=signer)
        return _(
            "The post changed after it was submitted: this request is void. Submit the post again."
        )
    try:
        method = _verify_identity(approval, signer, password, totp_code)
    except _IdentityRefused as exc:
        return str(exc)
    now = timezone.now()
    signature = Signature.objects.create(
        request=approval,
        step=position,
        role=current_step["role"],
        signer=signer,
        signer_name=signer.get_full_name(),
        meaning=current_step["meaning"],
        decision=decision,
        comment=comment,
        content_hash=approval.content_hash,
        signed_at=now,
        method=method,
    )
    record_event(
        "approval.signed",
        actor=signer,
        organization=approval.organization,
        target=approval,
        after={
            "step": position,
            "role": signature.role,
            "signer_name": signature.signer_name,
            "meaning": signature.meaning,
            "decision": decision,
            "comment": comment,
            "content_hash": signature.content_hash,
            "signed_at": now.isoformat(),
            "method": method,
        },
        context={"post": approval.post_id},
    )
    if decision == SignDecision.REJECT:
        _close(
            approval, RequestStatus.REJECTED, comment[:300], actor=signer, verb="approval.rejected"
        )
    elif approval.next_step() is None:
        approval.status = RequestStatus.APPROVED
        approval.approved_at = now
        approval.expires_at = now + timedelta(days=approval.validity_days)
        approval.save(update_fields=["status", "approved_at", "expires_at", "updated_at"])
        record_event(
            "approval.approved",
            actor=signer,
            organization=approval.organization,
            target=approval,
            before={"status": RequestStatus.PENDING},
            after={
                "status": RequestStatus.APPROVED,
                "content_hash": approval.content_hash,
                "expires_at": approval.expires_at.isoformat(),
            },
            context={"post": approval.post_id},
        )
    return signature


def do_override_block(
    approval: ApprovalRequest, *, by: User, password: str, totp_code: str, reason: str
) -> BlockOverride:
    """The responsible pharmacist lifts the blocking findings of this version of the post, with
    a written reason (at least 20 characters), re-entering their password (and code)."""
    outcome = _override(approval, by=by, password=password, totp_code=totp_code, reason=reason)
    if isinstance(outcome, str):
        raise ActionError(outcome)
    return outcome


@transaction.atomic
def _override(
    approval: ApprovalRequest, *, by: User, password: str, totp_code: str, reason: str
) -> BlockOverride | str:
    approval = (
        ApprovalRequest.objects.select_for_update()
        .select_related("organization", "post")
        .get(pk=approval.pk)
    )
    refused = "approval.override_refused"
    reason = reason.strip()
    if approval.status not in LIVE_STATUSES or approval.is_expired():
        return _refuse(
            approval,
            by,
            refused,
            "not_live",
            _("This request is %(status)s: submit the post again.")
            % {"status": approval.get_status_display().lower()},
        )
    if Role.RESPONSIBLE_PHARMACIST not in roles_in(approval.organization, by):
        return _refuse(
            approval,
            by,
            refused,
            "role",
            _("Only the responsible pharmacist can lift a block."),
        )
    if len(reason) < MIN_OVERRIDE_REASON:
        return _refuse(
            approval,
            by,
            refused,
            "reason",
            _("Write the reason for lifting the block (%(n)s characters at least).")
            % {"n": MIN_OVERRIDE_REASON},
        )
    current = content_hash(approval.post)
    if current != approval.content_hash:
        _void(approval, current, actor=by)
        return _(
            "The post changed after it was submitted: this request is void. Submit the post again."
        )
    rules = blocking_rules(compliance_check(approval.post))
    if not rules:
        return _refuse(approval, by, refused, "nothing", _("Nothing blocks this post."))
    try:
        method = _verify_identity(approval, by, password, totp_code)
    except _IdentityRefused as exc:
        return str(exc)
    now = timezone.now()
    override = BlockOverride.objects.create(
        request=approval,
        by=by,
        by_name=by.get_full_name(),
        reason=reason,
        rule_ids=rules,
        content_hash=current,
        at=now,
        method=method,
    )
    record_event(
        "approval.block_overridden",
        actor=by,
        organization=approval.organization,
        target=approval,
        after={
            "rules": rules,
            "reason": reason,
            "by_name": override.by_name,
            "content_hash": current,
            "at": now.isoformat(),
            "method": method,
        },
        context={"post": approval.post_id},
    )
    return override


@transaction.atomic
def do_void_for_edit(post: Post, *, acting_user: User | None = None) -> int:
    """Void the post's pending or approved requests if its content changed; how many."""
    live = list(
        ApprovalRequest.objects.select_for_update()
        .select_related("organization")
        .filter(post=post, status__in=LIVE_STATUSES)
    )
    if not live:
        return 0
    current = content_hash(post)
    voided = 0
    for approval in live:
        if approval.content_hash != current:
            _void(approval, current, actor=acting_user)
            voided += 1
    return voided


@transaction.atomic
def do_expire_approvals(now: datetime | None = None) -> int:
    """Mark approvals past their expiry date as expired (the gate already refuses them)."""
    now = now or timezone.now()
    due = (
        ApprovalRequest.objects.select_for_update()
        .select_related("organization")
        .filter(status=RequestStatus.APPROVED, expires_at__lte=now)
    )
    count = 0
    for approval in due:
        _close(approval, RequestStatus.EXPIRED, "expired", actor=None, verb="approval.expired")
        count += 1
    return count
