"""Answering from Hygie: checked before it is written (the compliance gate, two members).

Sending exactly once is in test_send_reply_delivery.py, the conversation page in
test_send_reply_page.py. The networks are the loopback fake network playing each network's
fixtures (tests/providers/contracts/); the fixtures are in conftest.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.inbox.reply_helpers import (
    MEDICINE,
    NEUTRAL,
    TREATMENT,
    connect,
    receive,
    run,
    send,
)
from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import google_business as google
from tests.providers.fakenet import FakeNetwork

from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.models import Network
from hygie.inbox.actions import (
    ReplyRefused,
)
from hygie.inbox.models import (
    Direction,
    InboxItem,
    OutboundReply,
    ReplyAttempt,
    ReplyStatus,
)
from hygie.publishing.models import AttemptStatus

pytestmark = pytest.mark.django_db


# --- The compliance gate -----------------------------------------------------------------------


def test_a_google_review_reply_mentioning_the_reviewer_s_treatment_is_blocked(
    review: InboxItem, alice: User, net: FakeNetwork
) -> None:
    with pytest.raises(ReplyRefused, match="FR-PHARMA-07") as refused:
        send(review, TREATMENT, alice, acknowledged=True)
    assert "FR-PHARMA-07" in refused.value.rules and refused.value.needs == ""
    assert not OutboundReply.objects.exists() and net.requests == []


def test_a_neutral_review_reply_is_answered_on_google(
    review: InboxItem, alice: User, net: FakeNetwork
) -> None:
    google.install_replies(net)
    reply = send(review, NEUTRAL, alice)
    assert run(reply) == AttemptStatus.PUBLISHED
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT and reply.external_id.startswith(google.REVIEW)
    assert net.requests_to("PUT", rf"/v4/{google.REVIEW}/reply")[0].json() == {"comment": NEUTRAL}
    sent = InboxItem.objects.get(direction=Direction.OUTBOUND)
    assert (sent.text, sent.sent_by, sent.conversation) == (NEUTRAL, alice, review.conversation)
    assert sent.parent_external_id == google.REVIEW and reply.item == sent


def test_a_public_answer_about_a_medicine_waits_for_the_member_to_check_the_findings(
    org_a: Organization, alice: User, net: FakeNetwork
) -> None:
    channel = connect(org_a, alice, net, Network.FACEBOOK_PAGE, page_id=fb.PAGE_ID)
    comment = receive(
        channel, "Le Doliprane c'est toutes les 4 heures ?", external_id=fb.COMMENT_ID
    )
    with pytest.raises(ReplyRefused, match="FR-MED-09") as refused:
        send(comment, MEDICINE, alice)
    assert refused.value.needs == "acknowledge"
    reply = send(comment, MEDICINE, alice, acknowledged=True)
    assert reply.acknowledged_findings
    event = AuditEvent.objects.get(verb="outbound_reply.requested")
    assert event.actor == alice and event.after["acknowledged_findings"] is True
    assert event.after["check"]["rules"] == ["FR-MED-09"]
    assert event.after["check"]["max_severity"] == "needs_approval"


def test_the_same_answer_in_a_direct_message_is_private_and_needs_no_tick(
    org_a: Organization, alice: User, net: FakeNetwork
) -> None:
    channel = connect(org_a, alice, net, Network.FACEBOOK_PAGE, page_id=fb.PAGE_ID)
    message = receive(
        channel,
        "Le Doliprane c'est toutes les 4 heures ?",
        kind="direct_message",
        external_id=fb.MESSAGE_MID,
        author_external_id=fb.PSID,
    )
    reply = send(message, MEDICINE, alice)
    assert not reply.acknowledged_findings


def test_a_tick_given_when_nothing_needed_it_is_not_recorded_as_an_acknowledgement(
    review: InboxItem, alice: User
) -> None:
    assert not send(review, NEUTRAL, alice, acknowledged=True).acknowledged_findings


@pytest.mark.parametrize(("text", "message"), [("   ", "empty"), ("x" * 4097, "at most 4096")])
def test_an_empty_or_too_long_reply_is_refused(
    review: InboxItem, alice: User, text: str, message: str
) -> None:
    with pytest.raises(ReplyRefused, match=message):
        send(review, text, alice)


def test_a_network_that_cannot_answer_this_kind_of_message_is_refused(
    org_a: Organization, alice: User, net: FakeNetwork
) -> None:
    linkedin = connect(org_a, alice, net, Network.LINKEDIN_ORG)
    with pytest.raises(ReplyRefused, match="cannot answer"):
        send(receive(linkedin, "Bonjour"), NEUTRAL, alice)


# --- Two members, one conversation ------------------------------------------------------------


def test_a_second_member_answering_within_two_minutes_must_confirm(
    mastodon_mention: InboxItem, alice: User, bob: User, net: FakeNetwork
) -> None:
    send(mastodon_mention, "Oui, de 9 h à 12 h.", bob)
    with pytest.raises(ReplyRefused, match="Bob Manager") as refused:
        send(mastodon_mention, "Oui, le dimanche matin.", alice)
    assert refused.value.needs == "confirm"
    reply = send(mastodon_mention, "Oui, le dimanche matin.", alice, confirm=True)
    event = AuditEvent.objects.filter(verb="outbound_reply.requested").order_by("seq").last()
    assert event is not None and event.after["collision_confirmed"] is True
    assert reply.sent_by == alice
    # Two minutes later, nobody is warned any more.
    OutboundReply.objects.update(created_at=timezone.now() - timedelta(minutes=3))
    send(mastodon_mention, "Bon dimanche !", alice)


def test_the_same_reply_clicked_twice_is_written_once(
    mastodon_mention: InboxItem, alice: User
) -> None:
    send(mastodon_mention, "Oui, de 9 h à 12 h.", alice)
    with pytest.raises(ReplyRefused, match="already being sent"):
        send(mastodon_mention, "Oui, de 9 h à 12 h.", alice)
    assert OutboundReply.objects.count() == ReplyAttempt.objects.count() == 1
