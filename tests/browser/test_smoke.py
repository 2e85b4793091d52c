"""A person logs in with Chromium and sees the calendar."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from tests.conftest import PASSWORD

from hygie.accounts.models import Organization, User
from hygie.channels.models import Channel
from hygie.publishing.actions import do_create_post, do_schedule_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_logs_in_and_sees_the_calendar_in_french(
    page: Page, live_server: LiveServer, alice: User, org_a: Organization, channel_a: Channel
) -> None:
    when = timezone.now() + timedelta(minutes=30)
    post = do_create_post(
        org_a, text="Conseil canicule : hydratez-vous.", channels=[channel_a], acting_user=alice
    )
    do_schedule_post(post, when=when, acting_user=alice)

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("Adresse e-mail").fill(alice.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page).to_have_url(f"{live_server.url}/o/alpha/calendar/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Calendrier")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    expect(navigation.get_by_role("link", name="Calendrier")).to_have_attribute(
        "aria-current", "page"
    )
    if timezone.localtime(when).month != timezone.localdate().month:
        page.get_by_role("link", name="Mois suivant").click()
    expect(page.get_by_role("link", name="Conseil canicule")).to_be_visible()
    # The skip link is the first thing the keyboard reaches.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()


def test_the_language_switcher_shows_the_interface_in_english(
    page: Page, live_server: LiveServer, alice: User, org_a: Organization
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Langue").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Hygie")
