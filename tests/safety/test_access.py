"""Only pharmacovigilance roles read cases; everyone who reads the inbox can send a message to
safety and learns its reference, never the case. Case data never feeds marketing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver
from tests.conftest import CANARY, login, make_user
from tests.test_tenant_isolation import POST_BODY, build_paths, org_b_snapshot, walk

from hygie.accounts.actions import do_add_member
from hygie.accounts.models import Organization, User
from hygie.accounts.roles import Role
from hygie.audit.models import AuditEvent
from hygie.inbox.models import InboxItem
from hygie.safety.actions import (
    do_escalate_due_cases,
    do_open_case_from_item,
    do_save_ack_template,
)
from hygie.safety.models import SafetyCase

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en"}

SAFETY_ROUTES = [route for route, _ in walk(get_resolver().url_patterns) if "/safety/" in route]


def test_a_community_manager_sends_to_safety_and_never_sees_the_case(
    client: Client, org_a: Organization, alice: User, bob: User, patient_message: InboxItem
) -> None:
    template = do_save_ack_template(
        org_a, data={"name": "Accusé", "text": "Merci."}, acting_user=alice
    )
    login(client, bob)
    response = client.post(
        f"/o/alpha/safety/report/{patient_message.pk}/",
        {"note": "effet indésirable ?"},
        follow=True,
    )
    case = SafetyCase.objects.get(source_item=patient_message)
    page = response.content.decode()
    assert case.reference in page  # the confirmation names the case…
    assert f"/o/alpha/safety/{case.pk}/" not in page  # …and does not link to it

    ids: dict[str, Any] = {"case": case, "item": patient_message, "ack_template": template}
    for route in SAFETY_ROUTES:
        if "report/" in route:
            continue
        for path in build_paths(route, ids, "alpha"):
            assert client.get(path).status_code in (403, 405), path
            assert client.post(path, POST_BODY).status_code == 403, path
    case.refresh_from_db()
    template.refresh_from_db()
    assert case.note == "effet indésirable ?" and case.status == "open"
    assert template.text == "Merci."


def test_the_owner_without_a_safety_role_cannot_read_cases(
    alice_client: Client, patient_message: InboxItem, bob: User
) -> None:
    case = do_open_case_from_item(patient_message, acting_user=bob)
    assert alice_client.get("/o/alpha/safety/").status_code == 403
    assert alice_client.get(f"/o/alpha/safety/{case.pk}/").status_code == 403


def test_the_responsible_pharmacist_reads_and_manages_cases(
    client: Client, org_a: Organization, patient_message: InboxItem, bob: User
) -> None:
    paula = make_user("paula@alpha.test", "Paula Titulaire")
    do_add_member(
        org_a,
        email=paula.email,
        full_name="",
        roles=[Role.RESPONSIBLE_PHARMACIST],
        acting_user=None,
    )
    case = do_open_case_from_item(patient_message, acting_user=bob)
    login(client, paula)
    assert client.get(f"/o/alpha/safety/{case.pk}/").status_code == 200
    client.post(f"/o/alpha/safety/{case.pk}/take/")
    case.refresh_from_db()
    assert case.assigned_to == paula


def test_the_officer_opens_the_case_from_the_inbox_and_lands_on_it(
    sarah_client: Client, patient_message: InboxItem
) -> None:
    conversation = f"/o/alpha/inbox/c/{patient_message.conversation_id}/"
    assert "Open a safety case" in sarah_client.get(conversation, headers=ENGLISH).content.decode()

    response = sarah_client.post(f"/o/alpha/safety/report/{patient_message.pk}/")

    case = SafetyCase.objects.get(source_item=patient_message)
    assert response.status_code == 302
    assert response["Location"] == f"/o/alpha/safety/{case.pk}/"
    page = sarah_client.get(conversation, headers=ENGLISH).content.decode()
    assert f"Open the case {case.reference}" in page
    # Sending it again lands on the same case.
    again = sarah_client.post(f"/o/alpha/safety/report/{patient_message.pk}/")
    assert again["Location"] == f"/o/alpha/safety/{case.pk}/"


def test_the_case_page_shows_the_snapshot_its_hash_the_criteria_and_the_clock(
    sarah_client: Client, channel_a: object
) -> None:
    from .conftest import receive

    item = receive(channel_a)  # type: ignore[arg-type]  (the real triage opens the case)
    case = SafetyCase.objects.get(source_item=item)

    page = sarah_client.get(f"/o/alpha/safety/{case.pk}/", headers=ENGLISH).content.decode()

    assert case.content_hash in page and "verified" in page
    assert 'data-supports="product"' in page and 'data-supports="event"' in page
    assert 'id="criterion-patient"' in page and 'data-clock="ok"' in page
    assert "Hygie (automatic)" in page and "due in" in page


def test_the_list_filters_overdue_and_escalated_cases_and_finds_a_reference(
    sarah: User, marc: User, sarah_client: Client, patient_message: InboxItem, channel_a: object
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from .conftest import receive

    late = do_open_case_from_item(patient_message, acting_user=sarah)
    SafetyCase.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=2))
    fresh_item = receive(channel_a, "Autre question", external_id="fb-2")  # type: ignore[arg-type]
    fresh = do_open_case_from_item(fresh_item, acting_user=sarah)
    do_escalate_due_cases()

    def listed(query: str) -> str:
        return sarah_client.get(f"/o/alpha/safety/{query}").content.decode()

    assert late.reference in listed("?show=overdue") and fresh.reference not in listed(
        "?show=overdue"
    )
    assert late.reference in listed("?show=escalated")
    assert fresh.reference in listed("?show=open") and late.reference in listed("?show=open")
    found = listed(f"?show=all&q={fresh.reference[-4:]}")
    assert fresh.reference in found and late.reference not in found
    assert 'data-clock="overdue"' in listed("?show=overdue")


def test_an_officer_of_a_cannot_reach_any_case_of_b_through_any_safety_url(
    sarah_client: Client, org_b: Organization, populated_b: dict[str, Any]
) -> None:
    before = org_b_snapshot(org_b)
    audit_before = AuditEvent.objects.filter(organization=org_b).count()
    checked = 0
    for route in SAFETY_ROUTES:
        for slug in ("alpha", "beta"):
            for path in build_paths(route, populated_b, slug):
                for method in ("get", "post"):
                    response = getattr(sarah_client, method)(
                        path, POST_BODY if method == "post" else None
                    )
                    assert CANARY not in response.content.decode(), f"{method} {path}"
                    if slug == "beta" or any(f"<int:{a}>" in route for a in ("case_id", "item_id")):
                        assert response.status_code in (404, 405), f"{method} {path}"
                    checked += 1
    assert checked >= 4 * len(SAFETY_ROUTES)
    assert org_b_snapshot(org_b) == before
    assert AuditEvent.objects.filter(organization=org_b).count() == audit_before


def test_the_contacts_register_and_the_analytics_never_read_safety_cases() -> None:
    """Case data is never reused for marketing (docs/safety.md)."""
    package = Path(__file__).resolve().parents[2] / "src" / "hygie"
    for app in ("contacts", "analytics"):
        for source in (package / app).rglob("*"):
            if source.suffix in (".py", ".html") and "migrations" not in source.parts:
                text = source.read_text(encoding="utf-8").lower()
                assert "safety" not in text and "safetycase" not in text, source


def test_the_officer_sets_the_deadline_the_backup_and_an_approved_template(
    sarah: User, marc: User, sarah_client: Client, org_a: Organization
) -> None:
    assert sarah_client.get("/o/alpha/safety/settings/").status_code == 200
    response = sarah_client.post(
        "/o/alpha/safety/settings/",
        {
            "forward_within_business_days": "1",
            "escalate_hours_before_due": "6",
            "backup_officer": str(marc.pk),
            "forward_to": "pv@aurore.example",
            "region": "ile-de-france",
        },
    )
    assert response.status_code == 302
    sarah_client.post(
        "/o/alpha/safety/settings/templates/",
        {
            "new-name": "Privé",
            "new-text": "Merci, écrivez-nous en privé.",
            "new-language": "fr",
            "new-is_active": "on",
        },
    )
    from hygie.safety.actions import settings_for
    from hygie.safety.models import SafetyAckTemplate

    policy = settings_for(org_a)
    assert (policy.escalate_hours_before_due, policy.backup_officer) == (6, marc)
    template = SafetyAckTemplate.objects.get(organization=org_a)
    assert template.approved_by == sarah and template.is_active
    assert AuditEvent.objects.filter(verb="safety_ack_template.approved").exists()


def test_ids_in_forms_never_reach_another_organisation(
    sarah_client: Client, patient_message: InboxItem, sarah: User, populated_b: dict[str, Any]
) -> None:
    case = do_open_case_from_item(patient_message, acting_user=sarah)
    theirs, their_template = populated_b["case"], populated_b["ack_template"]

    linked = sarah_client.post(f"/o/alpha/safety/{case.pk}/duplicates/", {"other": theirs.pk})
    by_reference = sarah_client.post(
        f"/o/alpha/safety/{case.pk}/duplicates/", {"other": theirs.reference}
    )
    acknowledged = sarah_client.post(
        f"/o/alpha/safety/{case.pk}/acknowledge/",
        {"template": their_template.pk, "private_channel": "phone", "mode": "manual"},
    )

    assert linked.status_code == 404 and acknowledged.status_code == 404
    assert by_reference.status_code == 302  # "no case has this reference"
    from hygie.safety.duplicates import linked_cases

    assert linked_cases(case) == []
    case.refresh_from_db()
    assert case.ack_sent_at is None
