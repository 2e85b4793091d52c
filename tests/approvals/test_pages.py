"""The approval pages: the queue, the request (findings, signatures, sign and override forms),
the panel on the post page, the workflow settings; other organisations see none of it."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.utils.html import escape
from tests.approvals.conftest import code
from tests.conftest import PASSWORD, login

from hygie.accounts import totp
from hygie.accounts.models import Organization, User
from hygie.approvals.actions import do_submit_for_approval
from hygie.approvals.models import ApprovalRequest, ApprovalWorkflow, RequestStatus
from hygie.publishing.models import Post

pytestmark = pytest.mark.django_db


def assert_every_field_is_labelled(page: str) -> None:
    labels = set(re.findall(r'<label[^>]*for="([^"]+)"', page))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        field_id = re.search(r'id="([^"]+)"', tag)
        assert field_id and field_id.group(1) in labels, f"unlabelled {tag}"


def test_a_post_is_submitted_from_its_page_and_signed_from_the_request_page(
    client: Client,
    flagged_post: Post,
    alice: User,
    bob: User,
    paula: User,
    paula_secret: str,
) -> None:
    login(client, alice)
    page = client.get(f"/o/alpha/posts/{flagged_post.pk}/").content.decode()
    submit_url = f"/o/alpha/approvals/submit/{flagged_post.pk}/"
    assert 'id="approval-h"' in page and f'action="{submit_url}"' in page
    response = client.post(submit_url)
    approval = ApprovalRequest.objects.get(post=flagged_post)
    assert response["Location"] == f"/o/alpha/approvals/{approval.pk}/"
    page = client.get(f"/o/alpha/posts/{flagged_post.pk}/").content.decode()
    assert f'href="/o/alpha/approvals/{approval.pk}/"' in page
    assert f'action="{submit_url}"' not in page  # already waiting
    request_page = client.get(response["Location"]).content.decode()
    assert "sign-password" not in request_page  # the author has nothing to sign

    login(client, bob)
    page = client.get(f"/o/alpha/approvals/{approval.pk}/").content.decode()
    assert "FR-PHARMA-05" in page
    assert "<mark" in page and "-20%" in page
    assert 'href="https://' in page  # the cited source
    assert escape(approval.steps[0]["meaning"]) in page  # the meaning to confirm
    assert_every_field_is_labelled(page)
    sign_url = f"/o/alpha/approvals/{approval.pk}/sign/"
    form = {
        "sign-password": "wrong",
        "sign-decision": "approve",
        "sign-meaning_confirmed": "on",
        "sign-comment": "",
    }
    assert client.post(sign_url, form).status_code == 200
    assert not approval.signatures.exists()
    response = client.post(sign_url, {**form, "sign-password": PASSWORD})
    assert response.status_code == 302
    assert approval.signatures.get().signer == bob

    login(client, paula, second_factor=True)
    page = client.get(f"/o/alpha/approvals/{approval.pk}/").content.decode()
    assert "sign-totp_code" in page
    response = client.post(
        sign_url, {**form, "sign-password": PASSWORD, "sign-totp_code": code(paula_secret)}
    )
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    page = client.get(f"/o/alpha/posts/{flagged_post.pk}/").content.decode()
    assert "Paula Titulaire" in page and "Bob Manager" in page


def test_the_queue_shows_each_member_what_waits_for_their_signature(
    client: Client, flagged_post: Post, alice: User, bob: User, paula: User
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    login(client, bob)
    response = client.get("/o/alpha/approvals/")
    assert [row["approval"] for row in response.context["for_me"]] == [approval]
    assert f"/o/alpha/approvals/{approval.pk}/" in response.content.decode()
    login(client, paula)  # the pharmacist's step comes second
    response = client.get("/o/alpha/approvals/")
    assert response.context["for_me"] == []
    assert [row["approval"] for row in response.context["others"]] == [approval]
    login(client, alice)
    assert list(client.get("/o/alpha/approvals/").context["mine"]) == [approval]


def test_the_responsible_pharmacist_lifts_a_block_from_the_request_page(
    client: Client, blocked_post: Post, alice: User, bob: User, paula: User, paula_secret: str
) -> None:
    approval = do_submit_for_approval(blocked_post, acting_user=alice)
    login(client, bob)
    assert (
        "override-reason" not in client.get(f"/o/alpha/approvals/{approval.pk}/").content.decode()
    )
    assert client.post(f"/o/alpha/approvals/{approval.pk}/override/").status_code == 403

    login(client, paula, second_factor=True)
    page = client.get(f"/o/alpha/approvals/{approval.pk}/").content.decode()
    assert "override-reason" in page and "FR-PHARMA-01" in page
    assert_every_field_is_labelled(page)
    response = client.post(
        f"/o/alpha/approvals/{approval.pk}/override/",
        {
            "override-password": PASSWORD,
            "override-totp_code": totp.code_at(paula_secret, time.time()),
            "override-reason": "Jeu de la mairie, sans obligation d'achat.",
        },
    )
    assert response.status_code == 302
    assert approval.overrides.get().rule_ids == ["FR-PHARMA-01"]


def test_an_administrator_edits_the_workflow_and_nobody_else_can(
    client: Client, org_a: Organization, alice: User, bob: User
) -> None:
    login(client, bob)
    assert client.get("/o/alpha/approvals/workflows/").status_code == 403
    assert client.post("/o/alpha/approvals/workflows/new/", {"name": "x"}).status_code == 403

    login(client, alice)
    page = client.get("/o/alpha/approvals/workflows/").content.decode()
    assert "pharmacien titulaire" in page  # the default, shown before it exists
    assert_every_field_is_labelled(client.get("/o/alpha/approvals/workflows/new/").content.decode())
    form = {
        "name": "Circuit court",
        "applies_to": "all",
        "validity_days": "30",
        "is_default": "on",
        "step_1_role": "reviewer_medical",
        "step_1_meaning": "Relecture médicale",
        "step_2_role": "",
        "step_2_meaning": "",
        "step_3_role": "responsible_pharmacist",
        "step_3_meaning": "Approuvé pour publication",
    }
    response = client.post("/o/alpha/approvals/workflows/new/", form)
    assert response.status_code == 302
    workflow = ApprovalWorkflow.objects.get(organization=org_a)
    assert (workflow.is_default, workflow.applies_to, workflow.validity_days) == (True, "all", 30)
    assert [(s.position, s.role) for s in workflow.steps.all()] == [
        (1, "reviewer_medical"),
        (2, "responsible_pharmacist"),
    ]
    response = client.post(
        f"/o/alpha/approvals/workflows/{workflow.pk}/",
        {**form, "step_1_meaning": "", "validity_days": "60"},
    )
    assert response.status_code == 200  # a role without a meaning
    workflow.refresh_from_db()
    assert workflow.validity_days == 30


def test_another_organisation_gets_404_on_every_approvals_page(
    client: Client, flagged_post: Post, alice: User, charlie: User, org_b: Organization
) -> None:
    approval = do_submit_for_approval(flagged_post, acting_user=alice)
    workflow = ApprovalWorkflow.objects.get(organization=flagged_post.organization)
    login(client, charlie)
    paths = [
        "/o/alpha/approvals/",
        f"/o/alpha/approvals/{approval.pk}/",
        f"/o/alpha/approvals/{approval.pk}/sign/",
        f"/o/alpha/approvals/{approval.pk}/override/",
        f"/o/alpha/approvals/submit/{flagged_post.pk}/",
        "/o/alpha/approvals/workflows/",
        "/o/alpha/approvals/workflows/new/",
        f"/o/alpha/approvals/workflows/{workflow.pk}/",
        # A's ids under B's own slug.
        f"/o/beta/approvals/{approval.pk}/",
        f"/o/beta/approvals/{approval.pk}/sign/",
        f"/o/beta/approvals/submit/{flagged_post.pk}/",
        f"/o/beta/approvals/workflows/{workflow.pk}/",
    ]
    for path in paths:
        assert client.get(path).status_code in (404, 405), path
        assert client.post(path, {"sign-password": PASSWORD}).status_code in (404, 405), path
    approval.refresh_from_db()
    assert approval.status == RequestStatus.PENDING and not approval.signatures.exists()
