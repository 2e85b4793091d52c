"""The issue's story for a pharmacovigilance officer: a patient's message arrives, the triage
opens its safety case, the officer opens it from the inbox, confirms the four minimum
criteria, downloads the ICH E2B(R3) file, which the ICH schemas accept, and, the organisation
being a pharmacy, declares it to the regional pharmacovigilance centre."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from e2br3.parse import parse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from tests.approvals.conftest import enrol
from tests.conftest import login, make_user

from hygie.accounts.actions import do_add_member
from hygie.accounts.models import Organization, User
from hygie.accounts.roles import Role
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel
from hygie.inbox.actions import do_ingest_item
from hygie.safety.export import validate_icsr
from hygie.safety.models import SafetyCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATIENT_TEXT = (
    "Bonjour, depuis que ma mère prend du Doliprane 1000 elle a des vertiges et des nausées. "
    "Elle a 82 ans. Est-ce normal ?"
)
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "safety-case.png"


def sign_in(page: Page, live_server: LiveServer, user: User) -> None:
    """A session with both factors done, handed to the browser as its cookie."""
    client = login(Client(), user, second_factor=True)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_an_officer_opens_the_case_from_the_inbox_confirms_it_and_downloads_e2b(
    page: Page, live_server: LiveServer, org_a: Organization, channel_a: Channel, tmp_path: Path
) -> None:
    sarah = make_user("sarah@alpha.test", "Sarah Dubois")
    do_add_member(org_a, email=sarah.email, full_name="", roles=[Role.PV_OFFICER], acting_user=None)
    enrol(sarah)
    item, _created = do_ingest_item(
        channel_a,
        kind="comment",
        external_id="fb-patient-1",
        author_name="Nadia Benali",
        author_handle="@nadia.benali",
        author_external_id="fb-user-nadia",
        text=PATIENT_TEXT,
        received_at=timezone.now() - timedelta(minutes=12),
        permalink="https://www.facebook.com/alpha/posts/1?comment_id=fb-patient-1",
    )
    case = SafetyCase.objects.get(source_item=item)  # opened by the triage on arrival

    # Sarah reads the message in the inbox and opens its case.
    sign_in(page, live_server, sarah)
    page.goto(f"{live_server.url}/o/alpha/inbox/c/{item.conversation_id}/")
    page.locator(f"#item-{item.pk} [data-safety-case] a").click()
    expect(page).to_have_url(f"{live_server.url}/o/alpha/safety/{case.pk}/")
    expect(page.locator("#case-clock")).to_have_attribute("data-clock", "ok")
    expect(page.locator("#source-text mark[data-supports='product']")).to_contain_text("Doliprane")
    expect(page.locator("#snapshot-hash")).to_have_text(case.content_hash)
    expect(page.locator("#forward-blocked")).to_be_visible()

    # The four minimum criteria, confirmed one by one.
    for criterion in ("reporter", "patient", "product", "event"):
        row = page.locator(f"#criterion-{criterion}")
        row.locator("button[value='met']").click()
        expect(page.locator(f"#criterion-{criterion}")).to_have_attribute("data-confirmed", "met")
    expect(page.locator("#forward-blocked")).to_have_count(0)
    expect(page.locator("#case-status")).to_have_attribute("data-status", "assessing")

    if os.environ.get("HYGIE_SCREENSHOTS"):  # docs/screenshots/safety-case.png, in English
        browser = page.context.browser
        assert browser is not None
        english = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 1500})
        english.add_cookies(page.context.cookies())
        shot = english.new_page()
        shot.goto(f"{live_server.url}/o/alpha/safety/{case.pk}/")
        shot.screenshot(path=str(SCREENSHOT))
        english.close()

    # The ICH E2B(R3) file.
    with page.expect_download() as download_info:
        page.locator("#download-e2b").click()
    download = download_info.value
    assert download.suggested_filename == f"{case.reference}-e2b-r3.xml"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    body = saved.read_bytes()
    assert validate_icsr(body) == []  # the ICH schema set, through the e2br3 package
    batch = parse(body)
    assert batch.messages[0].icsr is not None
    assert batch.messages[0].icsr.safety_report_id == case.reference
    assert AuditEvent.objects.filter(verb="safety_case.exported", actor=sarah).count() == 1

    # A pharmacy also declares it to the regional centre: prefilled, then recorded.
    page.locator("#open-declaration").click()
    expect(page.locator("#portal-link")).to_have_attribute(
        "href", "https://www.signalement-sante.gouv.fr"
    )
    expect(page.locator("#declaration-missing")).to_be_visible()
    expect(page.locator("#declaration-text")).to_contain_text("Doliprane")
    page.locator("#id_reference").fill("SIG-2026-0042")
    page.locator("#declared button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/o/alpha/safety/{case.pk}/")
    case.refresh_from_db()
    assert case.declaration_reference == "SIG-2026-0042" and case.declared_by == sarah
