"""A flagged message opens a case with a snapshot of its source, taken before any moderation
and never changed afterwards."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from tests.moderation.conftest import facebook, net, receive  # noqa: F401  (fixtures)
from tests.providers.contracts import facebook_page as fb

from hygie.accounts.actions import ActionError
from hygie.accounts.models import User
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel
from hygie.inbox.actions import do_merge_authors, do_record_outbound
from hygie.inbox.models import InboxItem
from hygie.moderation.actions import do_moderate
from hygie.moderation.models import Evidence
from hygie.providers.inbound import ModerationAction
from hygie.safety.actions import do_open_case_from_item, do_open_case_from_triage
from hygie.safety.models import CaseStatus, ImmutableSnapshotError, SafetyCase
from hygie.safety.snapshot import snapshot_hash

from .conftest import PATIENT_TEXT, Triage, patient_triage
from .conftest import receive as receive_patient

pytestmark = pytest.mark.django_db


def test_the_triage_opens_a_case_with_no_user_and_its_suggestions(
    patient_message: InboxItem,
) -> None:
    case = do_open_case_from_triage(patient_message, triage=patient_triage(patient_message))

    assert case is not None
    assert case.opened_by is None and case.opened_automatically
    assert case.opened_by_label == "Hygie (automatic)"
    assert case.status == CaseStatus.OPEN
    assert case.day_zero == patient_message.created_at
    criteria = {c.criterion: c for c in case.criteria.all()}
    assert set(criteria) == {"reporter", "patient", "product", "event"}
    assert all(c.suggested is True and c.confirmed is None for c in criteria.values())
    assert [e["text"] for e in criteria["event"].evidence] == ["vertiges", "nausées"]
    assert [e["text"] for e in criteria["patient"].evidence] == ["ma mère", "82 ans"]
    # A first draft for the officer: the products and the reactions the triage read.
    assert case.products == [{"name": "Doliprane 1000", "role": "suspect", "batch": ""}]
    assert [r["text"] for r in case.reactions] == ["vertiges", "nausées"]
    assert case.triage["model_version"] == "hygie-triage-test-1"
    event = AuditEvent.objects.get(verb="safety_case.opened")
    assert event.actor is None and event.actor_repr == "hygie triage"
    assert event.after["automatically"] is True


def test_a_special_situation_or_complaint_without_a_named_product_opens_no_case(
    patient_message: InboxItem,
) -> None:
    from hygie.triage.actions import needs_safety

    pregnancy = Triage(item=patient_message, adverse_event=False, special_situations=["pregnancy"])
    complaint = Triage(item=patient_message, adverse_event=False, quality_complaint=True)
    for reading in (pregnancy, complaint):
        assert needs_safety(reading) is False  # type: ignore[arg-type]
        assert do_open_case_from_triage(patient_message, triage=reading) is None
    assert not SafetyCase.objects.filter(source_item=patient_message).exists()
    named = Triage(
        item=patient_message,
        adverse_event=False,
        special_situations=["pregnancy"],
        products=["Doliprane 1000"],
    )
    assert needs_safety(named) is True  # type: ignore[arg-type]
    assert do_open_case_from_triage(patient_message, triage=named) is not None


def test_the_real_triage_opens_the_case_while_the_message_is_stored(channel_a: Channel) -> None:
    item = receive_patient(channel_a)

    case = SafetyCase.objects.get(source_item=item)
    row = item.triage  # hygie.triage.models.MessageTriage, written in the same transaction
    assert case.opened_automatically and case.opened_by is None
    assert case.triage["model_version"] == row.model_version
    assert case.day_zero == item.created_at
    product = case.criteria.get(criterion="product")
    assert product.suggested is True
    assert "Doliprane" in " ".join(e["text"] for e in product.evidence)
    # The triage engine asking again (a new model, a replay) finds the same case.
    again = do_open_case_from_triage(item, triage=row)
    assert again is not None and again.pk == case.pk
    assert SafetyCase.objects.count() == 1


def test_opening_from_the_triage_twice_returns_the_same_case(patient_message: InboxItem) -> None:
    triage = patient_triage(patient_message)
    first = do_open_case_from_triage(patient_message, triage=triage)
    again = do_open_case_from_triage(patient_message, triage=triage)

    assert first is not None and again is not None and again.pk == first.pk
    assert SafetyCase.objects.count() == 1
    assert AuditEvent.objects.filter(verb="safety_case.opened").count() == 1
    assert not AuditEvent.objects.filter(verb="safety_case.triaged").exists()


def test_a_message_the_triage_did_not_flag_opens_no_case(
    channel_a: Channel, manual_triage: None
) -> None:
    item = receive_patient(channel_a, "Vous ouvrez dimanche ?", external_id="fb-hours")
    triage = Triage(item=item, adverse_event=False, adverse_event_score=0.02)

    assert do_open_case_from_triage(item, triage=triage) is None
    assert not SafetyCase.objects.exists()


def test_a_special_situation_without_a_reaction_opens_a_case(
    channel_a: Channel, manual_triage: None
) -> None:
    text = "Je suis enceinte, puis-je prendre de l'ibuprofène ?"
    item = receive_patient(channel_a, text, external_id="fb-pregnant")
    triage = Triage(
        item=item, adverse_event=False, special_situations=["pregnancy"], products=["ibuprofène"]
    )

    case = do_open_case_from_triage(item, triage=triage)

    assert case is not None and case.special_situations == ["pregnancy"]


def test_a_message_we_sent_is_never_a_case(patient_message: InboxItem, alice: User) -> None:
    ours = do_record_outbound(
        patient_message.conversation,
        text="Bonjour, pouvez-vous nous écrire en privé ?",
        sent_by=alice,
        external_id="fb-ours",
        sent_at=timezone.now(),
    )
    assert do_open_case_from_triage(ours, triage=patient_triage(patient_message)) is None
    with pytest.raises(ActionError):
        do_open_case_from_item(ours, acting_user=alice)


def test_a_case_a_member_opened_gets_the_triage_suggestions_once(
    patient_message: InboxItem, bob: User
) -> None:
    case = do_open_case_from_item(patient_message, acting_user=bob)
    assert {c.suggested for c in case.criteria.all()} == {None}

    triaged = do_open_case_from_triage(patient_message, triage=patient_triage(patient_message))
    do_open_case_from_triage(patient_message, triage=patient_triage(patient_message))

    assert triaged is not None and triaged.pk == case.pk and triaged.opened_by == bob
    assert {c.suggested for c in triaged.criteria.all()} == {True}
    assert AuditEvent.objects.filter(verb="safety_case.triaged").count() == 1


def test_the_snapshot_keeps_the_author_the_thread_the_link_and_the_media_hashes(
    channel_a: Channel, manual_triage: None
) -> None:
    receive_patient(
        channel_a,
        "Votre article sur la douleur est intéressant",
        external_id="fb-earlier",
        thread_external_id="post-42",
        thread_title="Douleur : nos conseils",
    )
    item = receive_patient(
        channel_a,
        PATIENT_TEXT,
        external_id="fb-ae",
        thread_external_id="post-42",
        extra={"attachment_url": "https://cdn.example.org/photo-boite.jpg", "cid": "abc"},
    )

    case = do_open_case_from_triage(item, triage=patient_triage(item))

    assert case is not None
    snap = case.source_snapshot
    assert snap["text"] == PATIENT_TEXT
    assert (snap["author_name"], snap["author_handle"]) == ("Nadia Benali", "@fb-user-nadia")
    assert snap["author_network_id"] == "fb-user-nadia"
    assert snap["permalink"] == "https://www.facebook.com/fb-ae"
    assert snap["received_at"] == item.received_at.astimezone(UTC).isoformat()
    assert snap["thread"]["title"] == "Douleur : nos conseils"
    assert snap["thread"]["conversation"] == item.conversation_id
    assert [m["text"] for m in snap["thread"]["previous"]] == [
        "Votre article sur la douleur est intéressant"
    ]
    assert [m["ref"] for m in snap["media"]] == ["https://cdn.example.org/photo-boite.jpg"]
    assert len(snap["media"][0]["sha256"]) == 64
    assert case.content_hash == snapshot_hash(snap)


def test_the_snapshot_is_taken_before_moderation_and_survives_hiding_and_deleting(
    facebook: Channel,  # noqa: F811
    alice: User,
) -> None:
    item = receive(
        facebook,
        PATIENT_TEXT,
        external_id=fb.COMMENT_ID,
        author_external_id=fb.COMMENTER_ID,
        thread_external_id=fb.POST_ID,
    )
    case = do_open_case_from_triage(item, triage=patient_triage(item))
    assert case is not None
    kept, digest = dict(case.source_snapshot), case.content_hash

    do_moderate(item, ModerationAction.HIDE, acting_user=alice)
    do_moderate(item, ModerationAction.DELETE, acting_user=alice)
    # The network later gives an edited text: the inbox row changes, the case does not.
    InboxItem.objects.filter(pk=item.pk).update(text="[supprimé]")

    case = SafetyCase.objects.get(pk=case.pk)
    assert case.source_snapshot == kept and case.content_hash == digest
    assert case.source_snapshot["text"] == PATIENT_TEXT
    assert snapshot_hash(case.source_snapshot) == case.content_hash
    assert case.source_snapshot["moderation"] == {
        "hidden": False,
        "deleted": False,
        "author_blocked": False,
    }
    assert case.created_at <= Evidence.objects.filter(item=item).earliest("taken_at").taken_at


def test_the_snapshot_cannot_be_altered(patient_message: InboxItem) -> None:
    case = do_open_case_from_triage(patient_message, triage=patient_triage(patient_message))
    assert case is not None

    case.source_snapshot["text"] = "Tout va bien"
    with pytest.raises(ImmutableSnapshotError):
        case.save()
    case = SafetyCase.objects.get(pk=case.pk)
    case.content_hash = "0" * 64
    with pytest.raises(ImmutableSnapshotError):
        case.save()
    with pytest.raises(ImmutableSnapshotError):
        SafetyCase.objects.filter(pk=case.pk).update(source_snapshot={"text": "Tout va bien"})
    with pytest.raises(ImmutableSnapshotError):
        case.delete()
    # Even straight SQL is refused by the database.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE safety_safetycase SET content_hash = %s WHERE id = %s", ["0" * 64, case.pk]
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE safety_safetycase SET source_snapshot = %s WHERE id = %s", ["{}", case.pk]
        )

    case = SafetyCase.objects.get(pk=case.pk)
    assert case.source_snapshot["text"] == PATIENT_TEXT
    assert snapshot_hash(case.source_snapshot) == case.content_hash
    # The rest of the case is work in progress, and saves.
    case.note = "appelée"
    case.save()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE safety_safetycase SET note = %s WHERE id = %s", ["ok", case.pk])


def test_merging_the_author_with_another_account_leaves_the_snapshot_as_it_was(
    channel_a: Channel, alice: User, manual_triage: None
) -> None:
    first = receive_patient(channel_a)
    case = do_open_case_from_triage(first, triage=patient_triage(first))
    other = receive_patient(channel_a, "Re", external_id="fb-2", author_id="fb-user-nadia-2")
    assert first.author is not None and other.author is not None
    do_merge_authors(first.author, other.author, acting_user=alice)

    assert case is not None
    assert SafetyCase.objects.get(pk=case.pk).source_snapshot["author_network_id"] == (
        "fb-user-nadia"
    )
