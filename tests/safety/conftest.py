"""Safety personas: Sarah is organisation A's pharmacovigilance officer and Marc her back-up
(both with an authenticator); Nadia, a patient's daughter, writes to the pharmacy's page.

Storing a message runs the real triage, which opens the case of a possible adverse event by
itself. Tests that feed ``do_open_case_from_triage`` their own reading first turn that off for
organisation A (``manual_triage``), as an organisation may in its triage settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.approvals.conftest import enrol
from tests.conftest import login, make_user

from hygie.accounts.actions import do_add_member
from hygie.accounts.models import Organization, User
from hygie.accounts.roles import Role
from hygie.channels.models import Channel
from hygie.inbox.actions import do_ingest_item
from hygie.inbox.models import InboxItem

PATIENT_TEXT = (
    "Bonjour, depuis que ma mère prend du Doliprane 1000 elle a des vertiges et des nausées. "
    "Elle a 82 ans. Est-ce normal ?"
)


@dataclass
class Triage:
    """The triage's row for a message, as ``hygie.triage.models.MessageTriage`` gives it (the
    caller's data: built here because that module is written in parallel)."""

    item: Any = None
    model_version: str = "hygie-triage-test-1"
    lang: str = "fr"
    products: list[str] = field(default_factory=list)
    adverse_event: bool = True
    adverse_event_score: float = 0.93
    special_situations: list[str] = field(default_factory=list)
    quality_complaint: bool = False
    abusive: bool = False
    abusive_score: float = 0.01
    abuse_kinds: list[str] = field(default_factory=list)
    medical_question: bool = True
    spam: bool = False
    sentiment: str = "negative"
    minimum_criteria: dict[str, bool] = field(default_factory=dict)
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    created_at: datetime = field(default_factory=timezone.now)


def span(text: str, words: str, label: str = "") -> dict[str, Any]:
    start = text.index(words)
    return {"start": start, "end": start + len(words), "text": words, "label": label}


def patient_triage(item: InboxItem) -> Triage:
    """What the triage says of ``PATIENT_TEXT``."""
    text = item.text
    return Triage(
        item=item,
        products=["Doliprane 1000"],
        minimum_criteria={"reporter": True, "patient": True, "product": True, "event": True},
        evidence={
            "patient": [span(text, "ma mère", "relationship"), span(text, "82 ans", "age")],
            "product": [span(text, "Doliprane 1000", "product")],
            "event": [span(text, "vertiges", "reaction"), span(text, "nausées", "reaction")],
        },
    )


@pytest.fixture
def sarah(org_a: Organization) -> User:
    sarah = make_user("sarah@alpha.test", "Sarah Dubois")
    do_add_member(org_a, email=sarah.email, full_name="", roles=[Role.PV_OFFICER], acting_user=None)
    enrol(sarah)
    return sarah


@pytest.fixture
def marc(org_a: Organization) -> User:
    marc = make_user("marc@alpha.test", "Marc Suppléant")
    do_add_member(org_a, email=marc.email, full_name="", roles=[Role.PV_OFFICER], acting_user=None)
    enrol(marc)
    return marc


@pytest.fixture
def sarah_client(client: Client, sarah: User) -> Client:
    return login(client, sarah, second_factor=True)


def receive(
    channel: Channel,
    text: str = PATIENT_TEXT,
    *,
    external_id: str = "fb-patient-1",
    author: str = "Nadia Benali",
    author_id: str = "fb-user-nadia",
    kind: str = "comment",
    **extra: Any,
) -> InboxItem:
    item, _created = do_ingest_item(
        channel,
        kind=kind,
        external_id=external_id,
        author_name=author,
        author_handle=f"@{author_id}",
        author_external_id=author_id,
        text=text,
        received_at=timezone.now() - timedelta(minutes=20),
        permalink=f"https://www.facebook.com/{external_id}",
        **extra,
    )
    return item


@pytest.fixture
def manual_triage(org_a: Organization, alice: User) -> None:
    from hygie.triage.actions import do_update_settings

    do_update_settings(org_a, data={"open_cases": False}, acting_user=alice)


@pytest.fixture
def patient_message(channel_a: Channel, manual_triage: None) -> InboxItem:
    """Nadia's message, stored without a case: the tests decide when it opens."""
    return receive(channel_a)
