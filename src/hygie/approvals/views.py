"""Approval queue, request page (sign, lift a block), submission, workflow settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hygie.accounts.actions import ActionError
from hygie.accounts.roles import Perm, Role
from hygie.approvals import actions
from hygie.approvals.content import content_hash
from hygie.approvals.forms import OverrideForm, SignForm, WorkflowForm
from hygie.approvals.gate import publication_decision
from hygie.approvals.models import (
    LIVE_STATUSES,
    ApprovalRequest,
    ApprovalWorkflow,
    RequestStatus,
)
from hygie.channels.models import Channel
from hygie.core.access import OrgRequest, access_scoped, org_view
from hygie.publishing.models import Post


def highlight(text: str, findings: list[dict[str, Any]]) -> SafeString:
    """The checked text, escaped, with the spans of the findings marked."""
    spans = sorted(
        (int(start), int(end), f["rule"])
        for f in findings
        for start, end in f.get("spans") or []
        if 0 <= int(start) < int(end) <= len(text)
    )
    out: list[str] = []
    last = 0
    for start, end, rule in spans:
        if start < last:  # overlaps the previous mark: already highlighted
            start = last
        if start >= end:
            continue
        out.append(escape(text[last:start]))
        out.append(f'<mark title="{escape(rule)}">{escape(text[start:end])}</mark>')
        last = end
    out.append(escape(text[last:]))
    return mark_safe("".join(out).replace("\n", "<br>"))  # noqa: S308  (built from escaped parts)


def _can_sign(request: OrgRequest, approval: ApprovalRequest) -> dict[str, Any] | None:
    """The step the current member may sign now, if any."""
    step = approval.next_step()
    if step is None or step["role"] not in request.membership.role_names:
        return None
    if request.user.pk in (approval.post.author_id, approval.requested_by_id):
        return None
    return step


def _detail(
    request: OrgRequest,
    approval: ApprovalRequest,
    *,
    sign_form: SignForm | None = None,
    override_form: OverrideForm | None = None,
) -> HttpResponse:
    post = approval.post
    step = _can_sign(request, approval)
    needs_code = request.user.has_two_factor
    if step is not None and sign_form is None:
        sign_form = SignForm(needs_code=needs_code, meaning=step["meaning"], prefix="sign")
    live = approval.status in LIVE_STATUSES and not approval.is_expired()
    decision = publication_decision(post)
    can_override = (
        live
        and decision.severity == "block"
        and Role.RESPONSIBLE_PHARMACIST in request.membership.role_names
    )
    if can_override and override_form is None:
        override_form = OverrideForm(needs_code=needs_code, prefix="override")
    snapshot = approval.findings
    channel_ids = approval.content.get("channels", [])
    return render(
        request,
        "approvals/request.html",
        {
            "approval": approval,
            "post": post,
            "steps": approval.step_rows(),
            "findings": snapshot.get("findings", []),
            "mentions": snapshot.get("mentions", []),
            "checked_text": highlight(snapshot.get("text", ""), snapshot.get("findings", [])),
            "variants": sorted(approval.content.get("variants", {}).items()),
            "media": approval.content.get("media", []),
            "channels": Channel.objects.filter(organization=request.org, pk__in=channel_ids),
            "changed": live and content_hash(post) != approval.content_hash,
            "expired": approval.is_expired(),
            "decision": decision,
            "step": step if approval.status == RequestStatus.PENDING else None,
            "sign_form": sign_form if step is not None else None,
            "override_form": override_form if can_override else None,
            "overrides": approval.overrides.all(),
        },
    )


def _get(request: OrgRequest, request_id: int) -> ApprovalRequest:
    return access_scoped(
        ApprovalRequest.objects.select_related("post__author", "requested_by", "workflow"),
        request,
        request_id,
    )


@org_view(Perm.POSTS_VIEW)
@require_safe
def queue(request: OrgRequest) -> HttpResponse:
    """Requests waiting for a step the member can sign; other pending ones; their own."""
    pending = (
        ApprovalRequest.objects.filter(organization=request.org, status=RequestStatus.PENDING)
        .select_related("post", "requested_by")
        .prefetch_related("signatures")
        .order_by("requested_at", "pk")
    )
    for_me: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for approval in pending:
        step = approval.next_step()
        row = {
            "approval": approval,
            "step_role": Role(step["role"]).label if step else "",
            "step_meaning": step["meaning"] if step else "",
        }
        (for_me if _can_sign(request, approval) else others).append(row)
    mine = (
        ApprovalRequest.objects.filter(organization=request.org, requested_by=request.user)
        .select_related("post")
        .order_by("-requested_at", "-pk")[:50]
    )
    return render(
        request,
        "approvals/queue.html",
        {
            "for_me": for_me,
            "others": others,
            "mine": mine,
            "can_manage": request.membership.has_perm(Perm.ORG_MANAGE),
        },
    )


@org_view(Perm.POSTS_VIEW)
@require_safe
def request_detail(request: OrgRequest, request_id: int) -> HttpResponse:
    return _detail(request, _get(request, request_id))


@org_view(Perm.POSTS_VIEW)
@require_POST
def sign(request: OrgRequest, request_id: int) -> HttpResponse:
    """Sign the next step (the action checks the role, the order and the person's identity)."""
    approval = _get(request, request_id)
    step = _can_sign(request, approval)
    if step is None:  # not this member's turn, role or post: nothing to sign here
        raise PermissionDenied
    form = SignForm(
        request.POST,
        needs_code=request.user.has_two_factor,
        meaning=step["meaning"],
        prefix="sign",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            signature = actions.do_sign(
                approval,
                signer=request.user,
                password=data["password"],
                totp_code=data.get("totp_code") or "",
                decision=data["decision"],
                meaning_confirmed=data["meaning_confirmed"],
                comment=data["comment"],
                step=int(step["position"]),
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Signed: %(meaning)s.") % {"meaning": signature.meaning}
                if signature.decision == "approve"
                else _("Rejected."),
            )
            return redirect("approvals:request", org_slug=request.org.slug, request_id=approval.pk)
    approval.refresh_from_db()
    return _detail(request, approval, sign_form=form)


@org_view(Perm.POSTS_REVIEW)
@require_POST
def override(request: OrgRequest, request_id: int) -> HttpResponse:
    """The responsible pharmacist lifts a block, in writing."""
    approval = _get(request, request_id)
    form = OverrideForm(request.POST, needs_code=request.user.has_two_factor, prefix="override")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_override_block(
                approval,
                by=request.user,
                password=data["password"],
                totp_code=data.get("totp_code") or "",
                reason=data["reason"],
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Block lifted for this version of the post."))
            return redirect("approvals:request", org_slug=request.org.slug, request_id=approval.pk)
    approval.refresh_from_db()
    return _detail(request, approval, override_form=form)


@org_view(Perm.POSTS_COMPOSE)
@require_POST
def submit(request: OrgRequest, post_id: int) -> HttpResponse:
    post = access_scoped(Post.objects.all(), request, post_id)
    try:
        approval = actions.do_submit_for_approval(post, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("publishing:post", org_slug=request.org.slug, post_id=post.pk)
    messages.success(request, _("Submitted for approval."))
    return redirect("approvals:request", org_slug=request.org.slug, request_id=approval.pk)


@org_view(Perm.ORG_MANAGE)
@require_safe
def workflows(request: OrgRequest) -> HttpResponse:
    rows = ApprovalWorkflow.objects.filter(organization=request.org).prefetch_related("steps")
    defaults = actions.PHARMACY_STEPS if request.org.is_pharmacy else actions.COMPANY_STEPS
    return render(
        request,
        "approvals/workflows.html",
        {
            "workflows": rows,
            "default_steps": [(Role(role).label, meaning) for role, meaning in defaults],
        },
    )


@org_view(Perm.ORG_MANAGE)
@require_http_methods(["GET", "POST"])
def workflow_edit(request: OrgRequest, workflow_id: int | None = None) -> HttpResponse:
    workflow = None
    initial: dict[str, Any] = {"validity_days": 90, "is_default": True}
    if workflow_id is not None:
        workflow = access_scoped(ApprovalWorkflow.objects.all(), request, workflow_id)
        initial = {
            "name": workflow.name,
            "applies_to": workflow.applies_to,
            "validity_days": workflow.validity_days,
            "is_default": workflow.is_default,
        }
        for step in workflow.steps.all():
            initial[f"step_{step.position}_role"] = step.role
            initial[f"step_{step.position}_meaning"] = step.meaning
    form = WorkflowForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_save_workflow(
                request.org,
                name=data["name"],
                applies_to=data["applies_to"],
                validity_days=data["validity_days"],
                is_default=data["is_default"],
                steps=form.steps(),
                acting_user=request.user,
                workflow=workflow,
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Workflow saved."))
            return redirect("approvals:workflows", org_slug=request.org.slug)
    return render(request, "approvals/workflow_edit.html", {"form": form, "workflow": workflow})
