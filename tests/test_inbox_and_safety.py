"""The inbox lists what came in; anyone reading it can send a message to the safety team."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client
from django.utils import timezone
from tests.conftest import login, make_user

from hygie.accounts.actions import do_add_member
from hygie.accounts.models import Organization, User
from hygie.channels.models import Channel
from hygie.inbox.actions import do_ingest_item
from hygie.inbox.models import InboxItem
from hygie.lib.business_days import add_business_days, easter_sunday, french_holidays
from hygie.safety.models import SafetyCase

pytestmark = pytest.mark.django_db


def test_the_same_network_message_delivered_twice_is_stored_once(channel_a: Channel) -> None:
    kwargs = {
        "kind": "comment",
        "external_id": "fb-123",
        "author_name": "Léa",
        "text": "Merci !",
        "received_at": timezone.now(),
    }
    first, created = do_ingest_item(channel_a, **kwargs)
    again, created_again = do_ingest_item(channel_a, **kwargs)
    assert created and not created_again and first.pk == again.pk
    assert InboxItem.objects.filter(external_id="fb-123").count() == 1


def test_the_inbox_lists_filters_and_searches(alice_client: Client, item_a: InboxItem) -> None:
    page = alice_client.get("/o/alpha/inbox/").content.decode()
    assert "Nadia" in page
    assert "Nadia" not in alice_client.get("/o/alpha/inbox/?q=zzz").content.decode()
    assert "Nadia" in alice_client.get("/o/alpha/inbox/?q=angine").content.decode()
    alice_client.post(f"/o/alpha/inbox/{item_a.pk}/status/", {"status": "done"})
    assert "Nadia" not in alice_client.get("/o/alpha/inbox/").content.decode()
    assert "Nadia" in alice_client.get("/o/alpha/inbox/?status=done").content.decode()


def test_assigning_to_myself_opens_the_item(
    alice: User, alice_client: Client, item_a: InboxItem
) -> None:
    alice_client.post(f"/o/alpha/inbox/{item_a.pk}/assign-me/")
    # Status and assignee now belong to the item's conversation (tests/inbox/).
    item_a.conversation.refresh_from_db()
    assert item_a.conversation.assigned_to == alice and item_a.conversation.status == "open"


def test_a_message_sent_to_safety_opens_a_case_with_a_snapshot_and_a_deadline(
    alice_client: Client, org_a: Organization, item_a: InboxItem
) -> None:
    alice_client.post(f"/o/alpha/safety/report/{item_a.pk}/", {"note": "vertiges ?"})
    case = SafetyCase.objects.get(organization=org_a)
    assert case.source_snapshot["text"] == item_a.text
    # Day zero is the first ingestion by Hygie (first awareness), not the network's timestamp.
    assert case.day_zero == item_a.created_at
    assert case.due_at > case.day_zero
    # A second report of the same message does not open a second case.
    alice_client.post(f"/o/alpha/safety/report/{item_a.pk}/")
    assert SafetyCase.objects.filter(organization=org_a).count() == 1


def test_only_safety_roles_see_cases_and_the_officer_forwards_them(
    client: Client, alice_client: Client, org_a: Organization, item_a: InboxItem
) -> None:
    alice_client.post(f"/o/alpha/safety/report/{item_a.pk}/")
    case = SafetyCase.objects.get(organization=org_a)
    assert alice_client.get("/o/alpha/safety/").status_code == 403  # owner, not a safety role
    officer = make_user("pv@alpha.test")
    do_add_member(org_a, email=officer.email, full_name="", roles=["pv_officer"], acting_user=None)
    login(client, officer, second_factor=True)
    from hygie.accounts.models import TOTPDevice

    TOTPDevice.objects.create(user=officer, secret="JBSWY3DPEHPK3PXP", confirmed_at=timezone.now())
    assert client.get("/o/alpha/safety/").status_code == 200
    for criterion in ("reporter", "patient", "product", "event"):
        client.post(
            f"/o/alpha/safety/{case.pk}/criteria/", {"criterion": criterion, "decision": "met"}
        )
    client.post(f"/o/alpha/safety/{case.pk}/forward/", {"forwarded_to": "PV department"})
    case.refresh_from_db()
    assert case.status == "forwarded" and case.forwarded_at is not None


def test_business_days_skip_weekends_and_french_public_holidays() -> None:
    assert easter_sunday(2026).isoformat() == "2026-04-05"
    assert date(2026, 5, 14) in french_holidays(2026)  # Ascension
    friday = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert add_business_days(friday, 1).date().isoformat() == "2026-11-23"
    # 10 November 2026 (Tuesday) + 1 business day skips 11 November (Armistice).
    assert add_business_days(datetime(2026, 11, 10, 9, tzinfo=UTC), 1).day == 12


def test_htmx_filtering_returns_only_the_results(alice_client: Client, item_a: InboxItem) -> None:
    response = alice_client.get("/o/alpha/inbox/?q=angine", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Nadia" in body
    assert "<html" not in body and 'class="inbox-list"' in body
