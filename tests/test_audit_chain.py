"""The audit trail is append-only and hash-chained; verify_audit finds the first broken link."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event, verify_chain
from hygie.audit.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def tamper(sql: str, params: list[object]) -> None:
    """Change rows behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def make_events(alice: User, n: int = 5) -> list[AuditEvent]:
    return [
        record_event("test.happened", actor=alice, after={"n": i, "text": "é ü 中"})
        for i in range(n)
    ]


def test_every_action_appends_one_linked_event(alice: User, org_a: Organization) -> None:
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.verb for e in events] == ["organization.created"]
    assert events[0].actor == alice
    assert events[0].organization == org_a
    assert events[0].after["slug"] == "alpha"
    more = make_events(alice, 2)
    assert more[0].prev_hash == events[0].hash
    assert more[1].prev_hash == more[0].hash
    assert verify_chain().ok


def test_an_intact_chain_is_proved(alice: User, capsys: pytest.CaptureFixture[str]) -> None:
    make_events(alice, 3)
    call_command("verify_audit")
    assert "audit chain intact: 3 events" in capsys.readouterr().out


def test_the_application_cannot_update_or_delete_an_event(alice: User) -> None:
    event = make_events(alice, 1)[0]
    event.verb = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(verb="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger is PostgreSQL's")
def test_postgresql_itself_refuses_to_update_an_event(alice: User) -> None:
    event = make_events(alice, 1)[0]
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET verb = 'x' WHERE id = %s", [event.pk])


def test_a_tampered_event_is_reported_as_the_first_broken_link(alice: User) -> None:
    events = make_events(alice, 6)
    tamper("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', events[3].pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == events[3].seq
    assert "altered" in report.reason
    assert report.events == 3
    with pytest.raises(CommandError, match=f"BROKEN at event #{events[3].seq}"):
        call_command("verify_audit")


def test_a_rewritten_event_with_a_recomputed_hash_still_breaks_the_next_link(
    alice: User,
) -> None:
    events = make_events(alice, 4)
    tamper("UPDATE audit_auditevent SET hash = %s WHERE id = %s", ["f" * 64, events[1].pk])
    report = verify_chain()
    # Event 2's own hash no longer matches its content.
    assert report.broken_seq == events[1].seq


def test_a_deleted_event_in_the_middle_is_reported(alice: User) -> None:
    events = make_events(alice, 5)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == events[2].seq
    assert "missing" in report.reason


def test_events_deleted_at_the_end_are_reported(alice: User) -> None:
    events = make_events(alice, 5)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    report = verify_chain()
    assert not report.ok
    assert "removed from the end" in report.reason
