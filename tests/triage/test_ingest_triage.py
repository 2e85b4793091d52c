"""Every inbound message is read as it arrives: possible adverse events open a safety case,
abusive messages go to the moderation queue (hidden first where the organisation allows it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from tests.moderation.conftest import receive
from tests.providers.contracts import facebook_page as fb
from tests.providers.fakenet import FakeNetwork

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel
from hygie.inbox.actions import do_ingest_item
from hygie.moderation.models import QueueEntry
from hygie.moderation.state import state_of
from hygie.safety.models import SafetyCase
from hygie.triage.actions import do_triage_item, do_update_settings
from hygie.triage.models import MessageTriage

pytestmark = pytest.mark.django_db


def ingest(channel: Channel, text: str, external_id: str = "m-1") -> Any:
    item, _ = do_ingest_item(
        channel,
        kind="comment",
        external_id=external_id,
        author_name="Nadia",
        text=text,
        received_at=timezone.now(),
    )
    return item


def test_each_inbound_message_is_read_once_with_the_model_version(channel_a: Channel) -> None:
    item = ingest(channel_a, "Merci pour vos conseils, équipe au top !")
    triage = MessageTriage.objects.get(item=item)
    assert triage.model_version.startswith("20")
    assert triage.sentiment == "positive"
    assert not triage.adverse_event and not triage.abusive
    assert do_triage_item(item) == triage  # once
    assert MessageTriage.objects.filter(item=item).count() == 1
    verbs = list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))
    assert verbs[-2:] == ["inbox_item.received", "inbox_item.triaged"]


def test_a_possible_adverse_event_opens_a_safety_case_as_it_arrives(
    channel_a: Channel, org_a: Organization
) -> None:
    item = ingest(channel_a, "Depuis que je prends du Levothyrox j'ai des palpitations la nuit")
    triage = MessageTriage.objects.get(item=item)
    assert triage.adverse_event and triage.products == ["Levothyrox"]
    assert triage.evidence["event"][0]["text"] == "palpitations"
    case = SafetyCase.objects.get(source_item=item)
    assert case.organization == org_a
    assert case.source_snapshot["text"] == item.text


def test_an_organisation_can_stop_automatic_cases_and_lower_the_threshold(
    channel_a: Channel, org_a: Organization, alice: User
) -> None:
    do_update_settings(org_a, data={"open_cases": False}, acting_user=alice)
    item = ingest(channel_a, "Depuis que je prends du Levothyrox j'ai des palpitations")
    assert MessageTriage.objects.get(item=item).adverse_event
    assert not SafetyCase.objects.filter(source_item=item).exists()
    with pytest.raises(ActionError):
        do_update_settings(org_a, data={"ae_threshold": 1.5}, acting_user=alice)
    do_update_settings(org_a, data={"ae_threshold": 0.001}, acting_user=alice)
    lenient = ingest(channel_a, "Le Doliprane c'est pour la fièvre ?", external_id="m-2")
    assert MessageTriage.objects.get(item=lenient).adverse_event_score >= 0.001


def test_an_abusive_comment_is_queued_for_a_person(
    django_capture_on_commit_callbacks: Any, facebook: Channel
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        item = receive(facebook, "Bande de connards, je vais vous faire payer")
    entry = QueueEntry.objects.get(item=item)
    assert entry.reason == "classifier:abuse" and entry.score is not None
    assert entry.evidence.text == item.text
    assert entry.action_taken == ""  # the default: queue only
    assert not state_of(item).hidden


def test_an_organisation_that_allows_it_has_abuse_hidden_with_the_evidence_kept(
    django_capture_on_commit_callbacks: Any,
    net: FakeNetwork,
    facebook: Channel,
    org_a: Organization,
    alice: User,
) -> None:
    do_update_settings(org_a, data={"abuse_action": "hide"}, acting_user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        item = receive(
            facebook, "Je sais où vous habitez, vous allez le payer", external_id=fb.COMMENT_ID
        )
    entry = QueueEntry.objects.get(item=item)
    assert entry.action_taken == "hide"
    assert entry.evidence.text == item.text
    assert state_of(item).hidden
    assert net.requests_to("POST", rf"/{fb.V}/{fb.COMMENT_ID}")


def test_harsh_but_fair_criticism_is_not_moderated(
    django_capture_on_commit_callbacks: Any, facebook: Channel
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        item = receive(facebook, "Service lamentable, 40 minutes d'attente, je ne reviendrai pas.")
    assert not QueueEntry.objects.filter(item=item).exists()
    assert MessageTriage.objects.get(item=item).sentiment == "negative"


def test_replies_the_organisation_sends_are_not_read(channel_a: Channel) -> None:
    from hygie.inbox.models import Direction

    item = ingest(channel_a, "Depuis que je prends du Levothyrox j'ai des palpitations")
    item.direction = Direction.OUTBOUND
    MessageTriage.objects.filter(item=item).delete()
    assert do_triage_item(item) is None


def test_the_owner_sets_thresholds_and_the_abuse_action_on_a_page(
    alice_client: Any, org_a: Organization
) -> None:
    page = alice_client.get("/o/alpha/triage/settings/")
    from hygie.nlp.pipeline import default_triager

    assert page.status_code == 200 and default_triager().version in page.content.decode()
    refused = alice_client.post("/o/alpha/triage/settings/", {"ae_threshold": "3"})
    assert refused.status_code == 200
    saved = alice_client.post(
        "/o/alpha/triage/settings/",
        {"open_cases": "on", "ae_threshold": "0.2", "abuse_action": "hide"},
    )
    assert saved.status_code == 302
    from hygie.triage.actions import settings_for

    current = settings_for(org_a)
    assert (current.ae_threshold, current.abuse_action, current.open_cases) == (0.2, "hide", True)
    assert AuditEvent.objects.filter(verb="triage_settings.updated").exists()


def test_the_conversation_shows_what_the_triage_found(
    alice_client: Any, channel_a: Channel
) -> None:
    item = ingest(channel_a, "Depuis que je prends du Levothyrox j'ai des palpitations")
    page = alice_client.get(f"/o/alpha/inbox/c/{item.conversation_id}/").content.decode()
    assert "data-triage=" in page and "Levothyrox" in page
