"""The audit trail is append-only and hash-chained; verify_audit finds the first broken link."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event, verify_chain
from hygie.audit.models import AppendOnlyError, AuditEvent

SQLITE_DROP = import_module("hygie.audit.migrations.0003_more_append_only_triggers").SQLITE_DROP
SQLITE_CREATE = import_module("hygie.audit.migrations.0003_more_append_only_triggers").SQLITE_CREATE

pytestmark = pytest.mark.django_db


def tamper(sql: str, params: list[object]) -> None:
    """Change rows behind the application's back, as someone with database access could:
    first switch off the database's own protection, then put it back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        else:
            for drop in SQLITE_DROP:
                cursor.execute(drop)
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        else:
            for create in SQLITE_CREATE:
                cursor.execute(create)


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


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET verb = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_itself_refuses_to_change_an_event(alice: User, sql: str) -> None:
    if sql.startswith("DELETE") and connection.vendor == "sqlite":
        pytest.skip("SQLite keeps DELETE for flushes; the hash chain reports deletions")
    event = make_events(alice, 1)[0]
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])


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


def test_events_written_during_a_check_are_not_mistaken_for_tampering(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_events(alice, 3)
    from hygie.audit import log

    real_hashed = log._hashed_fields
    appended: list[bool] = []

    def append_during_walk(event: AuditEvent) -> dict[str, object]:
        if not appended:
            appended.append(True)
            record_event("test.concurrent", actor=alice)  # another writer, mid-walk
        return real_hashed(event)

    monkeypatch.setattr(log, "_hashed_fields", append_during_walk)
    report = verify_chain()
    monkeypatch.setattr(log, "_hashed_fields", real_hashed)
    assert report.ok and report.events == 3
    assert verify_chain().events == 4
