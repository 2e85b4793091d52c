"""The keyboard drives the inbox in Chromium: j/k select, e done, a assign, r reply."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from tests.conftest import PASSWORD
from tests.inbox.conftest import receive

from hygie.accounts.models import Organization, User
from hygie.channels.models import Channel
from hygie.inbox import presence
from hygie.inbox.actions import do_create_saved_reply
from hygie.inbox.models import Conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server: LiveServer, user: User) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_the_keyboard_moves_closes_assigns_and_opens_the_reply_box(
    page: Page,
    live_server: LiveServer,
    alice: User,
    bob: User,
    org_a: Organization,
    channel_a: Channel,
) -> None:
    older = receive(channel_a, "Première question", author="Léa Martin", kind="direct_message")
    newer = receive(channel_a, "Seconde question", author="Paul", kind="review", rating=4)
    do_create_saved_reply(
        org_a,
        data={"title": "Merci", "body": "Merci {first_name} pour votre message."},
        acting_user=alice,
    )
    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/o/alpha/inbox/")
    rows = page.locator("li[data-conversation-url]")
    expect(rows).to_have_count(2)
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_attribute("aria-current", "true")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_attribute("aria-current", "true")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_attribute("aria-current", "true")
    page.keyboard.press("a")  # the newest: Paul's review
    expect(page.locator("#inbox-announce")).not_to_be_empty()
    expect(rows.nth(0)).to_have_class("inbox-item status-open")
    page.keyboard.press("e")
    expect(rows.nth(0)).to_have_class("inbox-item status-done")
    review = Conversation.objects.get(pk=newer.conversation_id)
    assert review.status == "done" and review.assigned_to == alice
    # Typing in the search field never triggers a shortcut.
    page.get_by_label("Rechercher").fill("e")
    page.get_by_label("Rechercher").press("a")
    assert Conversation.objects.get(pk=older.conversation_id).assigned_to is None

    page.goto(f"{live_server.url}/o/alpha/inbox/")
    page.keyboard.press("j")
    # Opening the reply box tells the others that Alice is answering.
    with page.expect_response(lambda r: r.url.endswith("/presence/")):
        page.keyboard.press("r")
    assert [p.name for p in presence.others_replying(older.conversation_id, bob)] == ["Alice Owner"]
    expect(page).to_have_url(
        f"{live_server.url}/o/alpha/inbox/c/{older.conversation_id}/?reply=1#reply-area"
    )
    box = page.locator("#id_reply")
    expect(box).to_be_focused()
    box.type("e")  # a letter typed in the reply is text, not "mark as done"
    assert Conversation.objects.get(pk=older.conversation_id).status == "new"
    box.fill("")
    page.locator("[data-saved-reply-insert]").click()
    expect(box).to_have_value("Merci Léa pour votre message.")
    expect(page.locator("#reply-compliance section.compliance")).to_be_visible()
