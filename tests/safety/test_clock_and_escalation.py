"""Day zero is the message's first ingestion; the case must be forwarded within the
organisation's business days; the back-up officer is warned once when the deadline nears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from tests.conftest import login

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.inbox.models import InboxItem
from hygie.safety import clock
from hygie.safety.actions import (
    do_escalate_due_cases,
    do_forward_case,
    do_open_case_from_item,
    do_save_safety_settings,
)
from hygie.safety.models import SafetyCase
from hygie.safety.tasks import escalate_due_cases

from .conftest import PATIENT_TEXT

pytestmark = pytest.mark.django_db


def ingested_at(item: InboxItem, moment: datetime) -> InboxItem:
    """The message reached Hygie at ``moment`` (day zero)."""
    InboxItem.objects.filter(pk=item.pk).update(created_at=moment)
    return InboxItem.objects.get(pk=item.pk)


def test_the_deadline_is_one_business_day_after_day_zero_skipping_weekends_and_holidays(
    patient_message: InboxItem, bob: User
) -> None:
    friday_evening = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # 18:30 in Paris
    case = do_open_case_from_item(ingested_at(patient_message, friday_evening), acting_user=bob)

    assert case.day_zero == friday_evening
    assert case.due_at == datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # Monday, same time
    # Tuesday 10 November 2026: Wednesday the 11th is Armistice day.
    assert clock.due_at(datetime(2026, 11, 10, 9, tzinfo=UTC), 1, "Europe/Paris").day == 12
    # Thursday 24 December: Friday is Christmas, then the weekend.
    assert clock.due_at(datetime(2026, 12, 24, 9, tzinfo=UTC), 1, "Europe/Paris").day == 28


def test_the_deadline_counts_days_in_the_organisations_time_zone() -> None:
    # Friday 23:30 UTC is already Saturday in Paris: a weekend message gets all of Monday.
    friday_night = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    due = clock.due_at(friday_night, 1, "Europe/Paris")
    assert due.isoformat() == "2026-11-23T23:59:59+01:00"
    # Sunday afternoon, and a public holiday (Armistice, Wednesday 11 November), likewise.
    assert clock.due_at(datetime(2026, 11, 22, 14, tzinfo=UTC), 1, "Europe/Paris").isoformat() == (
        "2026-11-23T23:59:59+01:00"
    )
    assert clock.due_at(datetime(2026, 11, 11, 9, tzinfo=UTC), 1, "Europe/Paris").day == 12


def test_the_organisation_may_allow_more_business_days(
    org_a: Organization, alice: User, patient_message: InboxItem, bob: User
) -> None:
    do_save_safety_settings(org_a, data={"forward_within_business_days": 2}, acting_user=alice)
    monday = datetime(2026, 11, 16, 8, tzinfo=UTC)
    case = do_open_case_from_item(ingested_at(patient_message, monday), acting_user=bob)
    assert case.due_at == datetime(2026, 11, 18, 8, tzinfo=UTC)
    with pytest.raises(ActionError):
        do_save_safety_settings(org_a, data={"forward_within_business_days": 0}, acting_user=alice)


def test_the_clock_reads_as_a_delay_and_changes_colour_near_the_deadline() -> None:
    due = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    far = clock.clock(due, now=due - timedelta(hours=29), stopped_at=None, warn_hours=4)
    near = clock.clock(due, now=due - timedelta(hours=3), stopped_at=None, warn_hours=4)
    late = clock.clock(due, now=due + timedelta(hours=2, minutes=5), stopped_at=None, warn_hours=4)
    done = clock.clock(due, now=due, stopped_at=due - timedelta(hours=1), warn_hours=4)
    slow = clock.clock(due, now=due, stopped_at=due + timedelta(hours=5), warn_hours=4)

    assert (far.state, far.text, far.badge) == ("ok", "due in 1 d 5 h", "sev-ok")
    assert (near.state, near.text) == ("soon", "due in 3 h")
    assert (late.state, late.text, late.badge) == ("overdue", "overdue by 2 h 05", "sev-block")
    assert (done.state, done.text) == ("on_time", "handled on time")
    assert (slow.state, slow.text) == ("late", "handled 5 h late")


def overdue_case(item: InboxItem, user: User, hours_left: float) -> SafetyCase:
    """A case whose deadline is ``hours_left`` hours away (negative: past)."""
    now = timezone.now()
    case = do_open_case_from_item(item, acting_user=user)
    SafetyCase.objects.filter(pk=case.pk).update(due_at=now + timedelta(hours=hours_left))
    return SafetyCase.objects.get(pk=case.pk)


def test_escalation_emails_the_backup_officer_once_and_is_audited(
    org_a: Organization,
    alice: User,
    sarah: User,
    marc: User,
    patient_message: InboxItem,
    bob: User,
) -> None:
    do_save_safety_settings(org_a, data={"backup_officer": marc}, acting_user=sarah)
    case = overdue_case(patient_message, bob, hours_left=3)  # within the 4 hours

    assert escalate_due_cases() == 1  # the beat task
    assert do_escalate_due_cases() == 0  # again: nothing new
    assert escalate_due_cases() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [marc.email]
    # In the back-up officer's language (French by default).
    assert case.reference in message.subject
    assert "due in" in message.subject or "échéance dans" in message.subject
    assert f"/o/alpha/safety/{case.pk}/" in message.body
    case.refresh_from_db()
    assert case.escalated_at is not None and case.escalated_to == marc.email
    event = AuditEvent.objects.get(verb="safety_case.escalated")
    assert event.actor is None and event.after["notified"] == [marc.email]


def test_the_escalation_email_carries_no_health_data(
    org_a: Organization, sarah: User, marc: User, patient_message: InboxItem, bob: User
) -> None:
    do_save_safety_settings(org_a, data={"backup_officer": marc}, acting_user=sarah)
    overdue_case(patient_message, bob, hours_left=-2)

    do_escalate_due_cases()

    message = mail.outbox[0]
    for words in ("Doliprane", "vertiges", "Nadia", PATIENT_TEXT[:30]):
        assert words not in message.subject + message.body
    assert "overdue by 2 h" in message.subject or "en retard de 2 h" in message.subject


def test_a_case_far_from_its_deadline_or_already_forwarded_is_not_escalated(
    sarah: User, marc: User, patient_message: InboxItem, channel_a: object, bob: User
) -> None:
    overdue_case(patient_message, bob, hours_left=20)
    assert do_escalate_due_cases() == 0
    assert mail.outbox == []


def test_without_a_backup_every_member_who_manages_cases_is_told(
    sarah: User, marc: User, patient_message: InboxItem, bob: User
) -> None:
    overdue_case(patient_message, bob, hours_left=-1)
    do_escalate_due_cases()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([sarah.email, marc.email])


def test_the_backup_must_be_someone_who_can_read_cases(
    org_a: Organization, sarah: User, bob: User
) -> None:
    with pytest.raises(ActionError, match="back-up officer"):
        do_save_safety_settings(org_a, data={"backup_officer": bob}, acting_user=sarah)


def test_a_forwarded_case_shows_whether_it_was_on_time(
    sarah: User, sarah_client: Client, patient_message: InboxItem, bob: User
) -> None:
    case = overdue_case(patient_message, bob, hours_left=-5)
    for c in case.criteria.all():
        c.confirmed = True
        c.save()
    do_forward_case(case, forwarded_to="PV", acting_user=sarah)
    assert not do_escalate_due_cases()
    page = login(sarah_client, sarah, second_factor=True).get(f"/o/alpha/safety/{case.pk}/")
    assert 'data-clock="late"' in page.content.decode()
    event = AuditEvent.objects.get(verb="safety_case.forwarded")
    assert event.after["on_time"] is False
