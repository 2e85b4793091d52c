"""First response within N business hours, resolution within M hours, per organisation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from tests.conftest import login
from tests.inbox.conftest import receive

from hygie.accounts.models import Organization, User
from hygie.channels.models import Channel
from hygie.inbox import sla
from hygie.inbox.actions import do_record_outbound, do_save_inbox_settings, settings_for
from hygie.inbox.models import Conversation, InboxSettings

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def test_business_hours_skip_nights_weekends_and_public_holidays() -> None:
    policy = sla.Policy(first_response_hours=4, opens_at=time(9), closes_at=time(19))
    # Friday 17:00 → two hours on Friday, two on Monday.
    assert sla.add_business_hours(paris(2026, 11, 20, 17), 4, policy) == paris(2026, 11, 23, 11)
    # Tuesday 10 November 18:00 → one hour, then Wednesday 11 November (Armistice) is skipped.
    assert sla.add_business_hours(paris(2026, 11, 10, 18), 4, policy) == paris(2026, 11, 12, 12)
    # Before opening: the clock starts at opening.
    assert sla.add_business_hours(paris(2026, 11, 18, 7), 4, policy) == paris(2026, 11, 18, 13)
    # A pharmacy open on Saturdays answers on Saturday.
    saturday = sla.Policy(open_saturday=True)
    assert sla.add_business_hours(paris(2026, 11, 20, 18), 4, saturday) == paris(2026, 11, 21, 12)


def test_business_hours_follow_the_wall_clock_across_a_time_change() -> None:
    policy = sla.Policy()
    # Sunday 25 October 2026 Paris goes back to UTC+1; Friday 18:00 + 2 h → Monday 10:00 local.
    due = sla.add_business_hours(paris(2026, 10, 23, 18), 2, policy)
    assert due == paris(2026, 10, 26, 10)
    assert due.astimezone(UTC).hour == 9


def test_a_new_conversation_gets_its_due_times_from_the_organisation_settings(
    alice: User, org_a: Organization, channel_a: Channel
) -> None:
    do_save_inbox_settings(
        org_a,
        data={
            "first_response_hours": 2,
            "resolution_hours": 24,
            "opens_at": time(8),
            "closes_at": time(20),
            "open_saturday": True,
        },
        acting_user=alice,
    )
    received = paris(2026, 11, 18, 10)
    item = receive(channel_a, at=received)
    conversation = Conversation.objects.get(pk=item.conversation_id)
    assert conversation.first_response_due_at == paris(2026, 11, 18, 12)
    assert conversation.resolution_due_at == received + timedelta(hours=24)


def test_defaults_are_four_business_hours_and_two_days_saturdays_open_for_pharmacies(
    org_a: Organization,
) -> None:
    defaults = settings_for(org_a)
    assert defaults.pk is None
    assert (defaults.first_response_hours, defaults.resolution_hours) == (4, 48)
    assert defaults.open_saturday  # organisation A is a pharmacy


def test_an_unanswered_old_message_is_breached_and_a_fresh_one_is_not(
    alice_client: Client, bob: User, channel_a: Channel
) -> None:
    old = receive(channel_a, "ancien", author="Ancien", ago=timedelta(days=5))
    fresh = receive(channel_a, "nouveau", author="Frais", ago=timedelta(0))
    old_c = Conversation.objects.get(pk=old.conversation_id)
    fresh_c = Conversation.objects.get(pk=fresh.conversation_id)
    assert old_c.first_response_breached and old_c.resolution_breached
    assert not fresh_c.sla_breached
    late = alice_client.get("/o/alpha/inbox/?sla=breached").content.decode()
    assert "Ancien" in late and "Frais" not in late
    # Answered late: still late, and still listed while the resolution is overdue.
    do_record_outbound(old_c, text="Pardon", sent_by=bob, external_id="o-1", sent_at=timezone.now())
    old_c.refresh_from_db()
    assert old_c.first_response_breached
    page = alice_client.get(f"/o/alpha/inbox/c/{old_c.pk}/").content.decode()
    assert 'data-sla="first-response"' in page and "sev-block" in page


def test_an_answer_before_the_due_time_is_on_time(bob: User, channel_a: Channel) -> None:
    item = receive(channel_a, kind="direct_message", ago=timedelta(0))
    do_record_outbound(
        item.conversation, text="Bonjour", sent_by=bob, external_id="o-1", sent_at=timezone.now()
    )
    conversation = Conversation.objects.get(pk=item.conversation_id)
    assert conversation.first_response_at is not None and not conversation.first_response_breached


def test_only_managers_change_the_response_times(
    client: Client, alice_client: Client, bob: User, org_a: Organization
) -> None:
    response = alice_client.post(
        "/o/alpha/inbox/settings/",
        {
            "first_response_hours": 3,
            "resolution_hours": 72,
            "opens_at": "08:30",
            "closes_at": "19:30",
            "open_saturday": "on",
        },
    )
    assert response.status_code == 302
    stored = InboxSettings.objects.get(organization=org_a)
    assert (stored.first_response_hours, stored.resolution_hours, stored.opens_at) == (
        3,
        72,
        time(8, 30),
    )
    page = alice_client.post(
        "/o/alpha/inbox/settings/",
        {
            "first_response_hours": 3,
            "resolution_hours": 72,
            "opens_at": "19:00",
            "closes_at": "09:00",
        },
    ).content.decode()
    assert "Closing time must be after opening time." in page or "fermeture" in page
    login(client, bob)
    assert client.get("/o/alpha/inbox/settings/").status_code == 403
