"""Signing: in order, by the step's role, never by the author, with the password (and code)
typed again, the meaning confirmed, bound to the content's hash. Everything audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.approvals.conftest import code, enrol
from tests.conftest import PASSWORD, make_user

from hygie.accounts.actions import ActionError, do_add_member
from hygie.accounts.models import Organization, User
from hygie.accounts.roles import Role
from hygie.approvals.actions import do_sign, do_submit_for_approval
from hygie.approvals.content import content_hash
from hygie.approvals.models import (
    AppendOnlyError,
    ApprovalRequest,
    ApprovalWorkflow,
    RequestStatus,
    Signature,
)
from hygie.audit.log import verify_chain
from hygie.audit.models import AuditEvent
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Network
from hygie.publishing.actions import do_create_post
from hygie.publishing.models import Post

pytestmark = pytest.mark.django_db


def sign(approval: ApprovalRequest, signer: User, **kwargs: Any) -> Signature:
    options: dict[str, Any] = {
        "password": PASSWORD,
        "totp_code": "",
        "decision": "approve",
        "meaning_confirmed": True,
        "comment": "",
    }
    options.update(kwargs)
    return do_sign(approval, signer=signer, **options)


def verbs(approval: ApprovalRequest) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="approvals.approvalrequest", target_id=approval.pk)
        .order_by("seq")
        .values_list("verb", flat=True)
    )


def test_a_pharmacy_post_is_signed_by_the_community_manager_then_the_responsible_pharmacist(
    flagged_post: Post, alice: User, bob: User, paula: User, paula_secret: str
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    workflow = ApprovalWorkflow.objects.get(organization=flagged_post.organization)
    assert workflow.is_default and workflow.validity_days == 90
    assert [s["role"] for s in approval.steps] == ["community_manager", "responsible_pharmacist"]
    assert approval.content_hash == content_hash(flagged_post)
    assert approval.max_severity == "needs_approval"
    assert approval.catalog_version
    assert [f["rule"] for f in approval.findings["findings"]] == ["FR-PHARMA-05"]
    assert approval.findings["findings"][0]["sources"][0]["url"].startswith("https://")

    first = sign(approval, bob, comment="Relu, ton correct.")
    approval.refresh_from_db()
    assert approval.status == RequestStatus.PENDING
    assert (first.step, first.role, first.method) == (1, "community_manager", "password")
    assert first.signer_name == "Bob Manager"
    assert first.meaning == approval.steps[0]["meaning"]
    assert first.content_hash == approval.content_hash

    last = sign(approval, paula, totp_code=code(paula_secret), step=2)
    approval.refresh_from_db()
    assert last.method == "password+totp"
    assert last.signer_name == "Paula Titulaire"
    assert approval.status == RequestStatus.APPROVED
    assert approval.approved_at == last.signed_at
    assert approval.expires_at == last.signed_at + timedelta(days=90)
    assert verbs(approval) == [
        "approval.submitted",
        "approval.signed",
        "approval.signed",
        "approval.approved",
    ]
    signed = AuditEvent.objects.filter(verb="approval.signed").order_by("seq").last()
    assert signed is not None and signed.after is not None
    assert signed.after["signer_name"] == "Paula Titulaire"
    assert signed.after["meaning"] == last.meaning
    assert signed.after["content_hash"] == approval.content_hash
    assert verify_chain().ok


def test_a_company_signs_medical_then_regulatory_then_responsible_pharmacist(
    org_b: Organization, charlie: User
) -> None:
    channel = do_connect_channel(
        org_b, network=Network.BLUESKY, name="Beta", handle="beta.bsky.social", acting_user=charlie
    )
    people = {}
    for role in (Role.REVIEWER_MEDICAL, Role.REVIEWER_REGULATORY, Role.RESPONSIBLE_PHARMACIST):
        user = make_user(f"{role}@beta.test")
        do_add_member(org_b, email=user.email, full_name="", roles=[role], acting_user=None)
        people[role] = (user, enrol(user))
    post = do_create_post(
        org_b,
        text="Le Doliprane soulage vos maux de tête en 15 minutes, le meilleur antidouleur !",
        channels=[channel],
        acting_user=charlie,
    )
    approval = do_submit_for_approval(post, acting_user=charlie)
    assert [s["role"] for s in approval.steps] == [
        "reviewer_medical",
        "reviewer_regulatory",
        "responsible_pharmacist",
    ]
    for user, secret in people.values():
        sign(approval, user, totp_code=code(secret))
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    assert [s.role for s in approval.signatures.order_by("step")] == [
        "reviewer_medical",
        "reviewer_regulatory",
        "responsible_pharmacist",
    ]


def test_a_later_step_cannot_be_signed_before_an_earlier_one(
    flagged_post: Post, alice: User, paula: User, paula_secret: str
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    with pytest.raises(ActionError, match=r"Step 1 .* must be signed first"):
        sign(approval, paula, totp_code=code(paula_secret))
    with pytest.raises(ActionError, match="must be signed first"):
        sign(approval, paula, totp_code=code(paula_secret), step=2)
    assert not approval.signatures.exists()
    refused = AuditEvent.objects.filter(verb="approval.sign_refused", actor=paula)
    assert [e.after for e in refused] == [{"refused": "out_of_order"}] * 2


def test_a_member_without_the_step_role_cannot_sign(
    flagged_post: Post, alice: User, rita: User
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    enrol(rita)
    with pytest.raises(ActionError, match="Community manager"):
        sign(approval, rita)
    assert not approval.signatures.exists()


def test_the_author_cannot_sign_their_own_post(
    org_a: Organization, bob: User, channel_a: Any
) -> None:
    post = do_create_post(
        org_a, text="-20% sur tous les médicaments !", channels=[channel_a], acting_user=bob
    )
    approval = do_submit_for_approval(post, acting_user=bob)
    with pytest.raises(ActionError, match="another person must sign"):
        sign(approval, bob)
    assert not approval.signatures.exists()
    assert AuditEvent.objects.filter(verb="approval.sign_refused", actor=bob).exists()


def test_a_wrong_password_is_refused_and_every_failure_is_audited(
    flagged_post: Post, alice: User, bob: User
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    for _ in range(2):
        with pytest.raises(ActionError, match="Wrong password"):
            sign(approval, bob, password="not my password")
    approval.refresh_from_db()
    assert approval.status == RequestStatus.PENDING
    assert not approval.signatures.exists()
    failures = AuditEvent.objects.filter(verb="signature.identity_failed", actor=bob)
    assert sorted(e.after["failures_in_window"] for e in failures if e.after) == [1, 2]
    assert {e.target_id for e in failures} == {str(approval.pk)}
    sign(approval, bob)  # the right password still works


def test_five_failures_stop_signing_for_a_while(flagged_post: Post, alice: User, bob: User) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    for _ in range(5):
        with pytest.raises(ActionError, match="Wrong password"):
            sign(approval, bob, password="guess")
    with pytest.raises(ActionError, match="Too many failed attempts"):
        sign(approval, bob)
    assert not approval.signatures.exists()
    assert AuditEvent.objects.filter(verb="signature.locked_out", actor=bob).count() == 1


def test_a_wrong_or_replayed_authenticator_code_is_refused(
    org_a: Organization,
    alice: User,
    bob: User,
    paula: User,
    paula_secret: str,
    flagged_post: Post,
    channel_a: Any,
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    sign(approval, bob)
    with pytest.raises(ActionError, match="authenticator code"):
        sign(approval, paula, totp_code="000000" if code(paula_secret) != "000000" else "111111")
    with pytest.raises(ActionError, match="authenticator code"):
        sign(approval, paula, totp_code="")
    used = code(paula_secret)
    sign(approval, paula, totp_code=used)

    other = do_create_post(
        org_a, text="-30% sur tous les médicaments !", channels=[channel_a], acting_user=alice
    )
    second = do_submit_for_approval(other, acting_user=alice)
    sign(second, bob)
    with pytest.raises(ActionError, match="already used"):
        sign(second, paula, totp_code=used)  # the same code, seconds later: a replay
    failures = AuditEvent.objects.filter(verb="signature.identity_failed", actor=paula)
    assert [e.after["failed"] for e in failures.order_by("seq") if e.after] == ["second_factor"] * 3
    assert AuditEvent.objects.filter(verb="totp.failed", actor=paula).exists()


def test_a_reviewer_whose_role_requires_two_factor_cannot_sign_without_it(
    org_a: Organization, alice: User, rita: User, flagged_post: Post
) -> None:
    from hygie.approvals.actions import do_save_workflow

    do_save_workflow(
        org_a,
        name="Relecture médicale",
        applies_to="flagged",
        validity_days=30,
        is_default=True,
        steps=[(Role.REVIEWER_MEDICAL, "Relecture médicale")],
        acting_user=alice,
    )
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    with pytest.raises(ActionError, match="requires two-factor"):
        sign(approval, rita)
    secret = enrol(rita)
    signature = sign(approval, rita, totp_code=code(secret))
    approval.refresh_from_db()
    assert signature.method == "password+totp"
    assert approval.expires_at == signature.signed_at + timedelta(days=30)


def test_the_meaning_must_be_confirmed_and_a_rejection_needs_a_reason_and_ends_the_request(
    flagged_post: Post, alice: User, bob: User
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    with pytest.raises(ActionError, match="Confirm the meaning"):
        sign(approval, bob, meaning_confirmed=False)
    with pytest.raises(ActionError, match="why you reject"):
        sign(approval, bob, decision="reject")
    rejection = sign(approval, bob, decision="reject", comment="Pas de promotion sur les prix.")
    approval.refresh_from_db()
    assert rejection.decision == "reject"
    assert approval.status == RequestStatus.REJECTED
    assert approval.close_reason == "Pas de promotion sur les prix."
    with pytest.raises(ActionError, match="cannot be signed any more"):
        sign(approval, bob)
    assert do_submit_for_approval(flagged_post, acting_user=alice).status == "pending"


def test_a_post_changed_after_submission_cannot_be_signed_and_its_request_is_voided(
    flagged_post: Post, alice: User, bob: User
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    # Changed behind the actions' back (an action would void the request itself).
    Post.objects.filter(pk=flagged_post.pk).update(text="-50% sur tous les médicaments !")
    with pytest.raises(ActionError, match="changed after it was submitted"):
        sign(approval, bob)
    approval.refresh_from_db()
    assert approval.status == RequestStatus.VOIDED
    assert not approval.signatures.exists()
    assert "approval.voided" in verbs(approval)


def test_a_post_waiting_for_approval_is_not_submitted_twice(
    flagged_post: Post, alice: User
) -> None:
    do_submit_for_approval(flagged_post, acting_user=alice)
    with pytest.raises(ActionError, match="already waiting"):
        do_submit_for_approval(flagged_post, acting_user=alice)


def test_signatures_can_be_neither_changed_nor_deleted(
    flagged_post: Post, alice: User, bob: User
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    signature = sign(approval, bob)
    signature.comment = "rewritten"
    with pytest.raises(AppendOnlyError):
        signature.save()
    with pytest.raises(AppendOnlyError):
        signature.delete()
    with pytest.raises(AppendOnlyError):
        Signature.objects.filter(pk=signature.pk).update(comment="rewritten")
    with pytest.raises(AppendOnlyError):
        Signature.objects.filter(pk=signature.pk).delete()
