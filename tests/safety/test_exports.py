"""Exports of a case: ICH E2B(R3) validated before download, CSV of the list, and for a
pharmacy the prefilled declaration to the regional centre. Each one is audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from tests.conftest import login

from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.inbox.models import InboxItem
from hygie.safety.actions import (
    do_add_follow_up,
    do_confirm_criterion,
    do_open_case_from_triage,
    do_save_safety_settings,
    do_set_seriousness,
    do_update_case_details,
)
from hygie.safety.export import validate_icsr
from hygie.safety.exporting import icsr_case
from hygie.safety.models import SafetyCase

from .conftest import PATIENT_TEXT, patient_triage

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def case(patient_message: InboxItem, sarah: User) -> SafetyCase:
    opened = do_open_case_from_triage(patient_message, triage=patient_triage(patient_message))
    assert opened is not None
    for criterion in ("reporter", "patient", "product", "event"):
        do_confirm_criterion(opened, criterion, present=True, acting_user=sarah)
    do_set_seriousness(opened, criteria=["other_medically_important"], acting_user=sarah)
    do_update_case_details(
        opened,
        data={
            "patient_age": 82,
            "patient_sex": "female",
            "products": [{"name": "Doliprane 1000", "role": "suspect", "batch": "L4521"}],
            "reactions": [
                {"text": "vertiges", "outcome": "recovering"},
                {"text": "nausées", "outcome": ""},
            ],
        },
        acting_user=sarah,
    )
    do_add_follow_up(
        opened, channel="private_message", text="Demandé la posologie.", acting_user=sarah
    )
    return SafetyCase.objects.get(pk=opened.pk)


def test_the_e2b_download_validates_against_the_ich_schemas_and_is_audited(
    case: SafetyCase, sarah: User, sarah_client: Client
) -> None:
    response = sarah_client.get(f"/o/alpha/safety/{case.pk}/e2b.xml")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-e2b-r3.xml"'
    )
    assert response["Cache-Control"] == "no-store, private"
    body = response.content
    assert validate_icsr(body) == []
    text = body.decode()
    assert case.reference in text and "Doliprane 1000" in text and "L4521" in text
    assert "vertiges" in text and PATIENT_TEXT in text
    event = AuditEvent.objects.get(verb="safety_case.exported")
    assert event.actor == sarah and event.after == {"format": "e2b_r3", "cases": [case.reference]}


def test_the_mapping_keeps_what_the_officer_confirmed_and_invents_nothing(
    case: SafetyCase,
) -> None:
    icsr = icsr_case(case)
    assert icsr.safety_report_id == case.reference and icsr.day_zero == case.day_zero
    assert icsr.patient.age_years == 82 and icsr.patient.sex is not None
    assert icsr.patient.initials is None and icsr.patient.pregnant is None
    assert icsr.patient.reporter_relationship == "ma mère; 82 ans"
    assert [d.name for d in icsr.suspect_drugs] == ["Doliprane 1000"]
    assert [r.verbatim for r in icsr.reactions] == ["vertiges", "nausées"]
    assert icsr.is_serious and icsr.expedited is True
    assert icsr.source.text == PATIENT_TEXT and icsr.source.network == "Facebook"
    assert icsr.follow_ups and "Demandé la posologie." in icsr.follow_ups[0]
    assert case.content_hash in icsr.documents_held[0]


def test_the_csv_of_the_list_has_the_case_and_is_audited(
    case: SafetyCase, sarah: User, sarah_client: Client
) -> None:
    response = sarah_client.get("/o/alpha/safety/export.csv?show=all")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["reference"] for r in rows] == [case.reference]
    assert "Doliprane 1000" in rows[0]["suspect_products"]
    assert rows[0]["source_text"] == PATIENT_TEXT
    event = AuditEvent.objects.get(verb="safety_cases.exported")
    assert event.actor == sarah and event.after["format"] == "csv"
    assert event.after["cases"] == [case.reference]
    # The list's filter applies: no forwarded case yet.
    empty = sarah_client.get("/o/alpha/safety/export.csv?show=forwarded")
    assert list(csv.DictReader(io.StringIO(empty.content.decode("utf-8-sig")))) == []


def test_the_pharmacy_declaration_is_prefilled_and_lists_what_is_missing(
    org_a: Organization, case: SafetyCase, sarah: User, sarah_client: Client
) -> None:
    do_save_safety_settings(org_a, data={"region": "ile-de-france"}, acting_user=sarah)

    response = sarah_client.get(f"/o/alpha/safety/{case.pk}/declaration/", headers=ENGLISH)

    assert response.status_code == 200
    page = response.content.decode()
    assert "https://www.signalement-sante.gouv.fr" in page
    assert "Île-de-France" in page and "Sarah Dubois" in page and "Doliprane 1000" in page
    missing = response.context["missing"]
    assert "Patient — Initiales" in missing  # not given: never invented
    assert any("posologie" in m for m in missing)
    assert "Patient — Âge" not in missing
    assert 'id="declaration-missing"' in page and 'data-copy-from="declaration-text"' in page
    assert AuditEvent.objects.filter(verb="safety_case.exported").last().after == {  # type: ignore[union-attr]
        "format": "declaration",
        "cases": [case.reference],
    }

    sarah_client.post(f"/o/alpha/safety/{case.pk}/declaration/done/", {"reference": "SIG-42"})
    case.refresh_from_db()
    assert case.declaration_reference == "SIG-42" and case.declared_by == sarah


def test_a_company_has_no_declaration_to_the_regional_centre(
    case: SafetyCase, sarah_client: Client
) -> None:
    org = case.organization
    Organization.objects.filter(pk=org.pk).update(kind="pharma_company")
    assert sarah_client.get(f"/o/alpha/safety/{case.pk}/declaration/").status_code == 404
    page = sarah_client.get(f"/o/alpha/safety/{case.pk}/").content.decode()
    assert "/declaration/" not in page and "/e2b.xml" in page


def test_exports_need_the_right_to_manage_cases(
    client: Client, case: SafetyCase, bob: User, org_a: Organization
) -> None:
    from tests.conftest import make_user

    from hygie.accounts.actions import do_add_member
    from hygie.accounts.roles import Role

    reader = make_user("rita.reader@alpha.test", "Read Only")
    do_add_member(org_a, email=reader.email, full_name="", roles=[Role.ANALYST], acting_user=None)
    for user in (bob, reader):
        login(client, user)
        for path in (
            f"/o/alpha/safety/{case.pk}/e2b.xml",
            "/o/alpha/safety/export.csv",
            f"/o/alpha/safety/{case.pk}/declaration/",
        ):
            assert client.get(path).status_code == 403
    assert not AuditEvent.objects.filter(verb__endswith=".exported").exists()
