"""The officer's work on a case: the four criteria, seriousness, details, follow-ups, the public
acknowledgement, duplicates, forwarding and closing. Every step is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.moderation.conftest import facebook, net, receive  # noqa: F401  (fixtures)
from tests.providers.contracts import facebook_page as fb
from tests.providers.fakenet import FakeNetwork

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.inbox.actions import do_merge_authors
from hygie.inbox.models import InboxItem, OutboundReply, ReplyStatus
from hygie.safety import duplicates
from hygie.safety.actions import (
    DEFAULT_ACK_TEXT,
    do_add_follow_up,
    do_close_case,
    do_confirm_criterion,
    do_forward_case,
    do_link_duplicate,
    do_open_case_from_item,
    do_open_case_from_triage,
    do_reopen_case,
    do_save_ack_template,
    do_send_acknowledgement,
    do_set_seriousness,
    do_unlink_duplicate,
    missing_criteria,
)
from hygie.safety.models import FollowUp, SafetyAckTemplate, SafetyCase

from .conftest import PATIENT_TEXT, patient_triage
from .conftest import receive as receive_patient

pytestmark = pytest.mark.django_db

CRITERIA = ("reporter", "patient", "product", "event")


def verbs(case: SafetyCase) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="safety.safetycase", target_id=str(case.pk))
        .order_by("seq")
        .values_list("verb", flat=True)
    )


@pytest.fixture
def case(patient_message: InboxItem) -> SafetyCase:
    opened = do_open_case_from_triage(patient_message, triage=patient_triage(patient_message))
    assert opened is not None
    return opened


def test_forwarding_is_refused_until_a_person_confirms_the_four_criteria(
    case: SafetyCase, sarah: User
) -> None:
    with pytest.raises(ActionError) as refused:
        do_forward_case(case, forwarded_to="Pharmacovigilance", acting_user=sarah)
    message = str(refused.value)
    for label in ("identifiable reporter", "identifiable patient", "suspected medicinal product"):
        assert label in message

    for criterion in CRITERIA[:3]:
        do_confirm_criterion(case, criterion, present=True, acting_user=sarah)
    do_confirm_criterion(case, "event", present=False, acting_user=sarah, note="pas clair")
    with pytest.raises(ActionError, match="suspected adverse reaction"):
        do_forward_case(case, forwarded_to="Pharmacovigilance", acting_user=sarah)
    assert missing_criteria(case) == ["event"]

    do_confirm_criterion(case, "event", present=True, acting_user=sarah)
    forwarded = do_forward_case(
        case, forwarded_to="Pharmacovigilance Aurore", reference="AUR-2026-77", acting_user=sarah
    )

    assert forwarded.status == "forwarded" and forwarded.forwarded_by == sarah
    assert forwarded.forwarded_reference == "AUR-2026-77"
    assert verbs(case)[-1] == "safety_case.forwarded"
    with pytest.raises(ActionError, match="reopen"):
        do_confirm_criterion(case, "event", present=False, acting_user=sarah)


def test_a_confirmed_criterion_records_who_and_when_and_can_be_undone(
    case: SafetyCase, sarah: User
) -> None:
    row = do_confirm_criterion(case, "patient", present=True, acting_user=sarah, note="82 ans")
    assert (row.confirmed, row.confirmed_by, row.note) == (True, sarah, "82 ans")
    assert row.confirmed_at is not None and row.suggested is True
    case.refresh_from_db()
    assert case.status == "assessing" and case.assigned_to == sarah  # work started

    row = do_confirm_criterion(case, "patient", present=None, acting_user=sarah)
    assert (row.confirmed, row.confirmed_by, row.confirmed_at) == (None, None, None)
    assert verbs(case)[-2:] == [
        "safety_case.criterion_confirmed",
        "safety_case.criterion_reset",
    ]


def test_one_seriousness_criterion_makes_the_case_serious(case: SafetyCase, sarah: User) -> None:
    assert not case.serious
    case = do_set_seriousness(case, criteria=["hospitalisation"], acting_user=sarah)
    assert case.serious and [s.value for s in case.seriousness] == ["hospitalisation"]
    case = do_set_seriousness(case, criteria=[], acting_user=sarah)
    assert not case.serious and case.seriousness_assessed_by == sarah
    event = (
        AuditEvent.objects.filter(verb="safety_case.seriousness_assessed").order_by("seq").last()
    )
    assert event is not None and event.before == {
        "seriousness": ["hospitalisation"],
        "serious": True,
    }
    with pytest.raises(ActionError):
        do_set_seriousness(case, criteria=["bored"], acting_user=sarah)


def test_the_officer_completes_the_details_through_the_page(
    case: SafetyCase, sarah_client: Client
) -> None:
    response = sarah_client.post(
        f"/o/alpha/safety/{case.pk}/details/",
        {
            "reporter_qualification": "consumer",
            "reporter_country": "fr",
            "patient_initials": "M.B.",
            "patient_age": "82",
            "patient_age_group": "elderly",
            "patient_sex": "female",
            "patient_pregnant": "unknown",
            "special_situations": [],
            "narrative": "Vertiges et nausées depuis la prise de Doliprane 1000.",
            "products-TOTAL_FORMS": "2",
            "products-INITIAL_FORMS": "1",
            "products-0-name": "Doliprane 1000 mg",
            "products-0-role": "suspect",
            "products-0-batch": "L4521",
            "products-1-name": "Kardegic",
            "products-1-role": "concomitant",
            "products-1-batch": "",
            "reactions-TOTAL_FORMS": "2",
            "reactions-INITIAL_FORMS": "2",
            "reactions-0-text": "vertiges",
            "reactions-0-outcome": "recovering",
            "reactions-1-text": "",
            "reactions-1-outcome": "",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.reporter_country == "FR" and case.patient_age == 82
    assert case.patient_sex == "female" and case.patient_pregnant is None
    assert case.products == [
        {"name": "Doliprane 1000 mg", "role": "suspect", "batch": "L4521"},
        {"name": "Kardegic", "role": "concomitant", "batch": ""},
    ]
    assert case.reactions == [{"text": "vertiges", "outcome": "recovering"}]
    event = AuditEvent.objects.get(verb="safety_case.details_changed")
    assert event.after["patient_age"] == 82 and event.before["patient_age"] is None

    bad = sarah_client.post(
        f"/o/alpha/safety/{case.pk}/details/",
        {"reporter_country": "France", "products-TOTAL_FORMS": "0", "reactions-TOTAL_FORMS": "0"},
    )
    assert bad.status_code == 400 and "has-error" in bad.content.decode()


def test_follow_ups_are_logged_with_who_when_and_the_outcome(
    case: SafetyCase, sarah: User, sarah_client: Client
) -> None:
    do_add_follow_up(
        case,
        channel="private_message",
        text="Demandé l'âge, le lot et l'évolution.",
        acting_user=sarah,
    )
    response = sarah_client.post(
        f"/o/alpha/safety/{case.pk}/follow-ups/",
        {"channel": "phone", "outcome": "answered", "text": "Lot L4521, vertiges en baisse."},
    )
    assert response.status_code == 302

    logged = list(FollowUp.objects.filter(case=case))
    assert [(f.channel, f.outcome, f.by) for f in logged] == [
        ("private_message", "awaiting", sarah),
        ("phone", "answered", sarah),
    ]
    assert verbs(case).count("safety_case.follow_up_logged") == 2
    page = sarah_client.get(f"/o/alpha/safety/{case.pk}/").content.decode()
    assert "Lot L4521" in page
    with pytest.raises(ActionError):
        do_add_follow_up(case, channel="phone", text="  ", acting_user=sarah)


def test_the_acknowledgement_is_sent_as_a_reply_to_the_source_and_logged(
    net: FakeNetwork,  # noqa: F811
    facebook: Channel,  # noqa: F811
    sarah: User,
    sarah_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fb.install_replies(net)
    item = receive(
        facebook,
        PATIENT_TEXT,
        external_id=fb.COMMENT_ID,
        author_external_id=fb.COMMENTER_ID,
        thread_external_id=fb.POST_ID,
    )
    case = SafetyCase.objects.get(source_item=item)  # the triage opened it on arrival

    with django_capture_on_commit_callbacks(execute=True):
        response = sarah_client.post(
            f"/o/alpha/safety/{case.pk}/acknowledge/",
            {"template": "default", "private_channel": "private_message", "mode": "hygie"},
        )
    assert response.status_code == 302

    case.refresh_from_db()
    assert case.ack_sent_by == sarah and case.ack_text == DEFAULT_ACK_TEXT
    assert case.private_channel == "private_message"
    reply = OutboundReply.objects.get(pk=case.ack_reply_id)
    assert reply.status == ReplyStatus.SENT and reply.in_reply_to == item
    sent = net.requests_to("POST", rf"/{fb.V}/{fb.COMMENT_ID}/comments")[-1]
    assert sent.json() == {"message": DEFAULT_ACK_TEXT}
    # The default text became the organisation's template on first use.
    assert SafetyAckTemplate.objects.get(organization=case.organization).text == DEFAULT_ACK_TEXT
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.channel, follow_up.text) == ("public_reply", DEFAULT_ACK_TEXT)
    event = AuditEvent.objects.get(verb="safety_case.acknowledged")
    assert event.actor == sarah and event.after["sent_from_hygie"] is True
    with pytest.raises(ActionError, match=r"already sent|déjà été envoyé"):
        do_send_acknowledgement(case, template=None, private_channel="phone", acting_user=sarah)


def test_an_acknowledgement_posted_by_hand_is_recorded_with_an_approved_template(
    org_a: Organization, case: SafetyCase, sarah: User
) -> None:
    template = do_save_ack_template(
        org_a,
        data={"name": "Labo", "text": "Merci, notre pharmacien vous appelle.", "language": "fr"},
        acting_user=sarah,
    )
    assert template.approved_by == sarah and template.approved_at is not None

    reply = do_send_acknowledgement(
        case,
        template=template,
        private_channel="phone",
        send_from_hygie=False,
        acting_user=sarah,
    )

    assert reply is None
    case.refresh_from_db()
    assert case.ack_template == template and case.ack_reply is None
    assert case.private_channel == "phone"
    assert verbs(case)[-1] == "safety_case.acknowledged"


def test_an_acknowledgement_template_not_in_use_is_refused(
    org_a: Organization, case: SafetyCase, sarah: User
) -> None:
    retired = do_save_ack_template(
        org_a, data={"name": "Ancien", "text": "Merci.", "is_active": False}, acting_user=sarah
    )
    with pytest.raises(ActionError, match="approved"):
        do_send_acknowledgement(case, template=retired, private_channel="phone", acting_user=sarah)


def test_duplicates_are_linked_both_ways_and_unlinked(
    org_a: Organization, channel_a: Channel, case: SafetyCase, sarah: User, sarah_client: Client
) -> None:
    other_item = receive_patient(channel_a, "Même chose pour ma mère", external_id="fb-dup")
    other = do_open_case_from_item(other_item, acting_user=sarah)

    do_link_duplicate(other, case, acting_user=sarah, note="même patiente")

    assert [c.pk for c in duplicates.linked_cases(case)] == [other.pk]
    assert [c.pk for c in duplicates.linked_cases(other)] == [case.pk]
    page = sarah_client.get(f"/o/alpha/safety/{case.pk}/").content.decode()
    assert other.reference in page
    assert other.reference in sarah_client.get(f"/o/alpha/safety/{other.pk}/").content.decode()
    with pytest.raises(ActionError, match=r"already linked|déjà liés"):
        do_link_duplicate(case, other, acting_user=sarah)
    assert verbs(case)[-1] == verbs(other)[-1] == "safety_case.duplicate_linked"

    closed = do_close_case(other, reason="duplicate", acting_user=sarah)
    assert closed.status == "closed" and closed.close_reason == "duplicate"
    do_unlink_duplicate(case, other, acting_user=sarah)
    assert duplicates.linked_cases(case) == []


def test_closing_as_a_duplicate_needs_a_link_and_other_reasons_an_explanation(
    case: SafetyCase, sarah: User
) -> None:
    with pytest.raises(ActionError, match="Link the case"):
        do_close_case(case, reason="duplicate", acting_user=sarah)
    with pytest.raises(ActionError, match="Explain"):
        do_close_case(case, reason="not_valid", acting_user=sarah)
    closed = do_close_case(
        case, reason="not_valid", note="Trois relances sans réponse.", acting_user=sarah
    )
    assert closed.clock_stopped_at == closed.closed_at

    with pytest.raises(ActionError):
        do_reopen_case(case, reason="", acting_user=sarah)
    reopened = do_reopen_case(case, reason="La patiente a rappelé.", acting_user=sarah)
    assert reopened.status == "assessing" and reopened.close_reason == ""
    assert verbs(case)[-2:] == ["safety_case.closed", "safety_case.reopened"]


def test_likely_duplicates_are_suggested_across_channels(
    org_a: Organization,
    alice: User,
    channel_a: Channel,
    case: SafetyCase,
    sarah: User,
) -> None:
    instagram = do_connect_channel(
        org_a, network=Network.INSTAGRAM, name="Alpha insta", handle="alpha", acting_user=alice
    )
    # The same person on Instagram, merged with her Facebook account by a member.
    same_person = receive_patient(
        instagram, "Toujours des vertiges", external_id="ig-1", author_id="ig-nadia"
    )
    assert same_person.author is not None and case.source_item is not None
    assert case.source_item.author is not None
    do_merge_authors(case.source_item.author, same_person.author, acting_user=alice)
    by_person = do_open_case_from_item(same_person, acting_user=sarah)
    # Someone else, on Instagram, with the same product and nearly the same words.
    similar = receive_patient(
        instagram,
        "Bonjour, ma mère a des vertiges et des nausées depuis le Doliprane 1000, elle a 82 ans.",
        external_id="ig-2",
        author="Léa Martin",
        author_id="ig-lea",
    )
    by_text = do_open_case_from_triage(similar, triage=patient_triage(similar))
    # Unrelated: another product.
    unrelated = receive_patient(
        instagram,
        "Le Spasfon me donne des boutons",
        external_id="ig-3",
        author="Paul Durand",
        author_id="ig-paul",
    )
    do_open_case_from_item(unrelated, acting_user=sarah)

    found = {s.case.pk: s.reasons for s in duplicates.suggestions(case)}

    assert by_text is not None and set(found) == {by_person.pk, by_text.pk}
    assert found[by_person.pk] == ["same person on another network"]
    assert "same product (Doliprane 1000)" in found[by_text.pk][0]
    do_link_duplicate(case, by_person, acting_user=sarah)
    assert by_person.pk not in {s.case.pk for s in duplicates.suggestions(case)}
