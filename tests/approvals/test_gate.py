"""The publication gate: findings route a post to approval, any edit voids it, approvals
expire, a block needs the responsible pharmacist's written override, and the engine checks
again when it sends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from tests.approvals.conftest import BLOCKED_TEXT, HARMLESS_TEXT, code
from tests.approvals.test_signing import sign
from tests.conftest import PASSWORD, tiny_png

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.approvals.actions import (
    do_expire_approvals,
    do_override_block,
    do_save_workflow,
    do_submit_for_approval,
)
from hygie.approvals.content import content_hash
from hygie.approvals.gate import publication_decision
from hygie.approvals.models import ApprovalRequest, BlockOverride, RequestStatus
from hygie.audit.models import AuditEvent
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.publishing import engine
from hygie.publishing.actions import (
    do_add_media,
    do_create_post,
    do_remove_media,
    do_schedule_post,
    do_update_media_alt,
    do_update_post,
)
from hygie.publishing.models import Post, PostTarget, TargetStatus

pytestmark = pytest.mark.django_db


def approve(post: Post, alice: User, bob: User, paula: User, secret: str) -> ApprovalRequest:
    approval = do_submit_for_approval(post, acting_user=alice)
    sign(approval, bob)
    sign(approval, paula, totp_code=code(secret))
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    return approval


def later(hours: int = 2) -> Any:
    return timezone.now() + timedelta(hours=hours)


def test_a_post_without_findings_is_scheduled_without_approval(post_a: Post, alice: User) -> None:
    decision = publication_decision(post_a)
    assert decision.allowed and decision.severity == "ok"
    assert do_schedule_post(post_a, when=later(), acting_user=alice).status == "scheduled"


def test_a_post_needing_approval_is_scheduled_only_once_approved(
    flagged_post: Post, alice: User, bob: User, paula: User, paula_secret: str
) -> None:
    with pytest.raises(ActionError, match="need approval: submit it first"):
        do_schedule_post(flagged_post, when=later(), acting_user=alice)
    with pytest.raises(ActionError, match="need approval"):  # "publish now" too
        do_schedule_post(flagged_post, when=timezone.now(), acting_user=alice, now_allowed=True)
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    with pytest.raises(ActionError, match="waiting for approval"):
        do_schedule_post(flagged_post, when=later(), acting_user=alice)
    sign(approval, bob)
    sign(approval, paula, totp_code=code(paula_secret))
    decision = publication_decision(flagged_post)
    assert decision.allowed and decision.request == approval
    assert do_schedule_post(flagged_post, when=later(), acting_user=alice).status == "scheduled"


def test_an_edit_after_approval_voids_it_and_blocks_scheduling(
    flagged_post: Post,
    alice: User,
    bob: User,
    paula: User,
    paula_secret: str,
    channel_a: Channel,
) -> None:
    approval = approve(flagged_post, alice, bob, paula, paula_secret)
    # Saving the same content changes nothing.
    do_update_post(flagged_post, text=flagged_post.text, channels=[channel_a], acting_user=alice)
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED

    do_update_post(
        flagged_post, text=flagged_post.text + " 😉", channels=[channel_a], acting_user=alice
    )
    approval.refresh_from_db()
    assert approval.status == RequestStatus.VOIDED
    voided = AuditEvent.objects.get(verb="approval.voided", target_id=str(approval.pk))
    assert voided.actor == alice
    with pytest.raises(ActionError, match="changed after it was submitted"):
        do_schedule_post(flagged_post, when=later(), acting_user=alice)


@pytest.mark.parametrize("edit", ["variant", "add image", "alt text", "remove image", "channel"])
def test_every_change_to_what_is_published_voids_the_approval(
    edit: str,
    org_a: Organization,
    flagged_post: Post,
    alice: User,
    bob: User,
    paula: User,
    paula_secret: str,
    channel_a: Channel,
) -> None:
    media = do_add_media(
        flagged_post, data=tiny_png(), filename="a.png", alt_text="Une affiche", acting_user=alice
    )
    approval = approve(flagged_post, alice, bob, paula, paula_secret)
    before = content_hash(flagged_post)
    if edit == "variant":
        do_update_post(
            flagged_post,
            text=flagged_post.text,
            channels=[channel_a],
            variants={"facebook_page": "Version Facebook"},
            acting_user=alice,
        )
    elif edit == "add image":
        do_add_media(
            flagged_post, data=tiny_png(), filename="b.png", alt_text="Une autre", acting_user=alice
        )
    elif edit == "alt text":
        do_update_media_alt(media, alt_text="Une affiche de la pharmacie", acting_user=alice)
    elif edit == "remove image":
        do_remove_media(media, acting_user=alice)
    else:
        other = do_connect_channel(
            org_a, network=Network.MASTODON, name="Alpha toots", handle="alpha", acting_user=alice
        )
        do_update_post(
            flagged_post, text=flagged_post.text, channels=[channel_a, other], acting_user=alice
        )
    assert content_hash(flagged_post) != before
    approval.refresh_from_db()
    assert approval.status == RequestStatus.VOIDED
    assert not publication_decision(flagged_post).allowed


def test_an_approval_expires(
    flagged_post: Post, alice: User, bob: User, paula: User, paula_secret: str
) -> None:
    approval = approve(flagged_post, alice, bob, paula, paula_secret)
    assert approval.expires_at is not None
    assert do_expire_approvals() == 0
    after_expiry = approval.expires_at + timedelta(minutes=1)
    decision = publication_decision(flagged_post, now=after_expiry)
    assert not decision.allowed and "expired" in decision.reason
    assert do_expire_approvals(now=after_expiry) == 1
    approval.refresh_from_db()
    assert approval.status == RequestStatus.EXPIRED
    assert AuditEvent.objects.filter(verb="approval.expired", target_id=str(approval.pk)).exists()
    assert not publication_decision(flagged_post).allowed
    assert do_submit_for_approval(flagged_post, acting_user=alice).status == "pending"


def test_an_approval_past_its_date_is_refused_even_before_it_is_marked_expired(
    flagged_post: Post, alice: User, bob: User, paula: User, paula_secret: str
) -> None:
    approval = approve(flagged_post, alice, bob, paula, paula_secret)
    # Time passes (the expiry task has not run yet).
    ApprovalRequest.objects.filter(pk=approval.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ActionError, match="approval expired"):
        do_schedule_post(flagged_post, when=later(), acting_user=alice)
    # Submitting again closes the old one as expired and opens a new request.
    again = do_submit_for_approval(flagged_post, acting_user=alice)
    approval.refresh_from_db()
    assert approval.status == RequestStatus.EXPIRED and again.status == RequestStatus.PENDING


def test_a_block_needs_the_responsible_pharmacists_written_override(
    blocked_post: Post,
    alice: User,
    bob: User,
    paula: User,
    paula_secret: str,
    channel_a: Channel,
) -> None:
    approval = approve(blocked_post, alice, bob, paula, paula_secret)
    assert approval.max_severity == "block"
    decision = publication_decision(blocked_post)
    assert not decision.allowed and "FR-PHARMA-01" in decision.reason
    reason = "Jeu organisé par la mairie, sans achat : validé avec l'Ordre."

    with pytest.raises(ActionError, match="Only the responsible pharmacist"):
        do_override_block(approval, by=bob, password=PASSWORD, totp_code="", reason=reason)
    with pytest.raises(ActionError, match="20 characters"):
        do_override_block(
            approval, by=paula, password=PASSWORD, totp_code=code(paula_secret), reason="Parce que"
        )
    with pytest.raises(ActionError, match="Wrong password"):
        do_override_block(approval, by=paula, password="nope", totp_code="", reason=reason)
    assert not BlockOverride.objects.exists()

    import time

    from hygie.accounts import totp

    # The code of the next 30-second step: the one used to sign was spent.
    next_code = totp.code_at(paula_secret, time.time() + 30)
    override = do_override_block(
        approval, by=paula, password=PASSWORD, totp_code=next_code, reason=reason
    )
    assert override.rule_ids == ["FR-PHARMA-01"]
    assert override.content_hash == approval.content_hash
    assert override.by_name == "Paula Titulaire"
    event = AuditEvent.objects.get(verb="approval.block_overridden")
    assert event.after is not None and event.after["reason"] == reason
    assert publication_decision(blocked_post).allowed
    do_schedule_post(blocked_post, when=later(), acting_user=alice)

    # Any edit voids the approval and the override with it.
    do_update_post(blocked_post, text=BLOCKED_TEXT + " !", channels=[channel_a], acting_user=alice)
    assert not publication_decision(blocked_post).allowed


def test_a_workflow_for_every_post_needs_approval_even_without_findings(
    org_a: Organization, post_a: Post, alice: User, bob: User, paula: User, paula_secret: str
) -> None:
    do_save_workflow(
        org_a,
        name="Tout est relu",
        applies_to="all",
        validity_days=7,
        is_default=True,
        steps=[("community_manager", "Relu"), ("responsible_pharmacist", "Approuvé")],
        acting_user=alice,
    )
    with pytest.raises(ActionError, match="Every post"):
        do_schedule_post(post_a, when=later(), acting_user=alice)
    approval = approve(post_a, alice, bob, paula, paula_secret)
    assert approval.expires_at == approval.approved_at + timedelta(days=7)  # type: ignore[operator]
    do_schedule_post(post_a, when=later(), acting_user=alice)


def test_the_engine_refuses_a_post_whose_approval_was_voided(
    flagged_post: Post,
    alice: User,
    bob: User,
    paula: User,
    paula_secret: str,
    channel_a: Channel,
) -> None:
    approve(flagged_post, alice, bob, paula, paula_secret)
    when = timezone.now() + timedelta(minutes=5)
    do_schedule_post(flagged_post, when=when, acting_user=alice)
    # Edited while scheduled: still on the calendar, but no longer approved.
    do_update_post(
        flagged_post,
        text="-25% sur tous les médicaments !",
        channels=[channel_a],
        acting_user=alice,
    )
    due = when + timedelta(seconds=1)
    [attempt_id] = engine.dispatch_due(now=due)
    outcome = engine.run_attempt(attempt_id, now=due)
    assert outcome.status == "failed"
    target = PostTarget.objects.get(post=flagged_post)
    assert target.status == TargetStatus.FAILED
    assert "changed after it was submitted" in target.last_error
    assert target.attempts.get().error_kind == "approval"
    flagged_post.refresh_from_db()
    assert flagged_post.status == "failed"


def test_the_engine_sends_an_approved_post(
    flagged_post: Post,
    alice: User,
    bob: User,
    paula: User,
    paula_secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    approve(flagged_post, alice, bob, paula, paula_secret)
    when = timezone.now() + timedelta(minutes=5)
    do_schedule_post(flagged_post, when=when, acting_user=alice)
    sent: list[int] = []

    def publish_with(provider: Any, attempt: Any, now: Any) -> engine.Outcome:
        sent.append(attempt.pk)
        return engine.Outcome("published")

    monkeypatch.setattr(engine, "_publish_with", publish_with)
    [attempt_id] = engine.dispatch_due(now=when + timedelta(seconds=1))
    assert engine.run_attempt(attempt_id, now=when + timedelta(seconds=1)).status == "published"
    assert sent == [attempt_id]


def test_the_gate_text_reads_as_a_sentence_for_a_harmless_post(
    org_a: Organization, alice: User, channel_a: Channel
) -> None:
    post = do_create_post(org_a, text=HARMLESS_TEXT, channels=[channel_a], acting_user=alice)
    assert publication_decision(post).reason == ""
