"""The issue's end-to-end story: a pharmacist types a violating post, sees the highlighted words
and the cited article, fixes the text, submits it for approval, and a reviewer signs it with
her password and authenticator code."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from tests.approvals.conftest import code, enrol
from tests.conftest import PASSWORD, login

from hygie.accounts.models import Organization, User
from hygie.accounts.roles import Role
from hygie.approvals.actions import do_save_workflow
from hygie.approvals.models import ApprovalRequest
from hygie.channels.models import Channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIOLATING = "Le Levothyrox, le meilleur traitement pour votre thyroïde ! Profitez-en vite"
FIXED = (
    "Thyroïde : un suivi régulier avec votre médecin permet d'adapter le traitement. "
    "Nos pharmaciens répondent à vos questions au comptoir."
)


def sign_in(page: Page, live_server: LiveServer, user: User) -> None:
    """A session with both factors done, handed to the browser as its cookie."""
    client = login(Client(), user, second_factor=True)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_a_violating_post_is_fixed_submitted_and_signed_by_a_reviewer(
    page: Page,
    live_server: LiveServer,
    alice: User,
    rita: User,
    org_a: Organization,
    channel_a: Channel,
) -> None:
    do_save_workflow(
        org_a,
        name="Relecture médicale",
        applies_to="all",
        validity_days=30,
        is_default=True,
        steps=[(Role.REVIEWER_MEDICAL, "Relecture médicale")],
        acting_user=alice,
    )
    rita_secret = enrol(rita)

    # Alice types a post that promotes a prescription medicine.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(alice.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/o/alpha/compose/")
    page.locator("#id_text").fill(VIOLATING)
    page.locator("#id_text").press("End")
    live = page.locator("#compliance-live")
    expect(live.locator("[data-max-severity='block']")).to_be_visible()
    highlighted = live.locator("mark.sev-block", has_text="Levothyrox")
    expect(highlighted).to_be_visible()
    expect(highlighted).to_have_attribute("data-rules", re.compile(r"\bFR-MED-01\b"))
    expect(live.locator("a.citation", has_text="L.5122-6").first).to_be_visible()

    # She rewrites it as general health information: the findings go away.
    page.locator("#id_text").fill(FIXED)
    page.locator("#id_text").press("End")
    expect(live.locator("[data-max-severity='ok']")).to_be_visible()
    page.locator(f"input[name='channels'][value='{channel_a.pk}']").check()
    page.locator("form.composer button[type=submit]").first.click()
    expect(page.locator(".approval-panel")).to_be_visible()
    page.locator(".approval-panel button[type=submit]").click()
    approval = ApprovalRequest.objects.get(post__organization=org_a)
    assert approval.status == "pending"

    # Rita, the medical reviewer, signs it with her password and her authenticator.
    sign_in(page, live_server, rita)
    page.goto(f"{live_server.url}/o/alpha/approvals/{approval.pk}/")
    expect(page.locator("body")).to_contain_text(FIXED[:40])
    page.locator("#id_sign-password").fill(PASSWORD)
    page.locator("#id_sign-totp_code").fill(code(rita_secret))
    page.locator("input[name='sign-decision'][value='approve']").check()
    page.locator("#id_sign-meaning_confirmed").check()
    page.locator("form[action$='/sign/'] button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    approval.refresh_from_db()
    assert approval.status == "approved"
    signature = approval.signatures.get()
    assert signature.signer == rita and signature.method == "password+totp"
    assert signature.content_hash == approval.content_hash
