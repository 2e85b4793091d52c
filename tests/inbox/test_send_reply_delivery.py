"""Answering from Hygie: written before it is sent, sent once, and WhatsApp's 24-hour window."""

# The Mastodon fake honours Idempotency-Key as documented.

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from tests.inbox.reply_helpers import (
    NEUTRAL,
    connect,
    receive,
    run,
    send,
)
from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import google_business as google
from tests.providers.contracts import whatsapp as wa
from tests.providers.fakenet import FakeNetwork, Recorded, Reply
from tests.test_publish_engine import MastodonSim

from hygie.accounts.models import Organization, User
from hygie.audit.log import verify_chain
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel, ChannelStatus, Network, RateLimitState
from hygie.inbox import outbox
from hygie.inbox.actions import (
    ReplyRefused,
    do_confirm_reply_sent,
    do_retry_reply,
    do_save_inbox_settings,
    first_attempt,
)
from hygie.inbox.models import (
    Conversation,
    ConversationStatus,
    Direction,
    InboxItem,
    OutboundReply,
    ReplyAttempt,
    ReplyStatus,
)
from hygie.inbox.tasks import recover_stuck_replies
from hygie.providers.inbound import ReplyResult
from hygie.publishing.models import AttemptStatus

pytestmark = pytest.mark.django_db


# --- Exactly once ------------------------------------------------------------------------------


def test_a_reply_is_sent_once_stops_the_first_response_clock_and_is_audited(
    mastodon_mention: InboxItem, alice: User, net: FakeNetwork
) -> None:
    sim = MastodonSim(net)
    reply = send(mastodon_mention, "Oui, de 9 h à 12 h.", alice)
    attempt = first_attempt(reply)
    assert attempt.idempotency_key == f"hygie-reply-{attempt.pk}"
    assert run(reply) == AttemptStatus.PUBLISHED
    [status] = sim.statuses.values()
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT and reply.external_url == status["url"]
    conversation = Conversation.objects.get(pk=mastodon_mention.conversation_id)
    assert conversation.first_response_at is not None
    assert conversation.status == ConversationStatus.WAITING
    sent = InboxItem.objects.get(direction=Direction.OUTBOUND)
    assert sent.external_id == status["id"] and sent.permalink == status["url"]
    body = net.requests_to("POST", r"/api/v1/statuses")[0].json()
    assert body["in_reply_to_id"] == mastodon_mention.external_id
    assert body["status"] == "@zsc@mastodon.test Oui, de 9 h à 12 h."
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"outbound_reply.requested", "outbound_reply.sent", "conversation.replied"} <= verbs
    # Running the same attempt again sends nothing.
    assert outbox.run_reply_attempt(attempt.pk).status == AttemptStatus.PUBLISHED
    assert len(net.requests_to("POST", r"/api/v1/statuses")) == 1
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_the_attempt_row_exists_before_the_network_is_called(
    mastodon_mention: InboxItem, alice: User, net: FakeNetwork
) -> None:
    seen: list[str] = []

    def spy(request: Recorded) -> Reply:
        seen.extend(ReplyAttempt.objects.values_list("status", flat=True))
        connection.close()  # this runs in the fake server's thread
        return Reply(200, {"id": "1", "url": "https://mastodon.test/@p/1"})

    net.route("POST", r"/api/v1/statuses", spy)
    assert run(send(mastodon_mention, "Oui.", alice)) == AttemptStatus.PUBLISHED
    assert seen == ["sending"]


def test_a_retry_after_a_server_error_reuses_the_key_and_makes_one_reply(
    mastodon_mention: InboxItem, alice: User, net: FakeNetwork
) -> None:
    sim = MastodonSim(net)
    net.route("POST", r"/api/v1/statuses", Reply(503, {"error": "busy"}), times=1, first=True)
    reply = send(mastodon_mention, "Oui.", alice)
    attempt = first_attempt(reply)
    outcome = outbox.run_reply_attempt(attempt.pk)
    assert outcome.status == AttemptStatus.RETRY and outcome.retry_at is not None
    assert outbox.run_reply_attempt(attempt.pk).status == AttemptStatus.RETRY  # not due yet
    assert run(reply, now=outcome.retry_at) == AttemptStatus.PUBLISHED
    keys = [r.headers["idempotency-key"] for r in net.requests_to("POST", r"/api/v1/statuses")]
    assert keys == [attempt.idempotency_key] * 2 and len(sim.statuses) == 1


def test_an_unknown_outcome_on_mastodon_is_asked_again_with_the_same_key(
    mastodon_mention: InboxItem, alice: User, net: FakeNetwork, short_timeout: None
) -> None:
    sim = MastodonSim(net)

    def slow_once(request: Recorded) -> Reply:
        answer = sim.create(request)  # the instance creates the status, then answers late
        if len(net.requests_to("POST", r"/api/v1/statuses")) == 1:
            answer.delay = 1.5
        return answer

    net.route("POST", r"/api/v1/statuses", slow_once, first=True)
    reply = send(mastodon_mention, "Oui.", alice)
    key = first_attempt(reply).idempotency_key
    assert run(reply) == AttemptStatus.RETRY  # not failed, not a new key: asked again
    assert run(reply) == AttemptStatus.PUBLISHED
    keys = [r.headers["idempotency-key"] for r in net.requests_to("POST", r"/api/v1/statuses")]
    assert keys == [key, key] and len(sim.statuses) == 1
    assert OutboundReply.objects.get().status == ReplyStatus.SENT


def test_an_unknown_outcome_on_google_puts_the_same_reply_again_which_leaves_one(
    review: InboxItem, alice: User, net: FakeNetwork, short_timeout: None
) -> None:
    google.install_replies(net)
    net.route(
        "PUT",
        rf"/v4/{google.REVIEW}/reply",
        Reply(200, {"comment": NEUTRAL, "updateTime": google.REPLY_TIME}, delay=1.5),
        times=1,
        first=True,
    )
    reply = send(review, NEUTRAL, alice)
    assert run(reply) == AttemptStatus.RETRY
    assert run(reply) == AttemptStatus.PUBLISHED
    puts = net.requests_to("PUT", rf"/v4/{google.REVIEW}/reply")
    assert [p.json() for p in puts] == [{"comment": NEUTRAL}] * 2  # the review's one reply
    assert InboxItem.objects.filter(direction=Direction.OUTBOUND).count() == 1


def test_an_unknown_outcome_on_whatsapp_is_never_sent_again_blindly(
    whatsapp_message: InboxItem, alice: User, net: FakeNetwork, short_timeout: None
) -> None:
    net.route("POST", wa.REPLY_CALLS["direct_message"][1], Reply(200, wa.SENT, delay=1.5))
    reply = send(whatsapp_message, "Oui, elle est prête.", alice)
    assert run(reply) == AttemptStatus.UNCONFIRMED
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.UNCONFIRMED
    assert first_attempt(reply).lookup_note.startswith("not found on WhatsApp")
    recover_stuck_replies()  # nothing is stuck, nothing is due: nothing is sent
    assert len(net.requests_to("POST", wa.REPLY_CALLS["direct_message"][1])) == 1
    # The member checks WhatsApp: the message arrived.
    do_confirm_reply_sent(reply, url="", acting_user=alice)
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT
    assert InboxItem.objects.get(direction=Direction.OUTBOUND).external_id == (
        f"hygie-reply-{reply.pk}"
    )
    assert AuditEvent.objects.get(verb="outbound_reply.sent").actor == alice


def test_an_unconfirmed_reply_sent_again_gets_a_new_attempt_and_key(
    whatsapp_message: InboxItem, alice: User, net: FakeNetwork, short_timeout: None
) -> None:
    net.route("POST", wa.REPLY_CALLS["direct_message"][1], Reply(200, wa.SENT, delay=1.5), times=1)
    wa.install_replies(net)
    reply = send(whatsapp_message, "Oui, elle est prête.", alice)
    first = first_attempt(reply)
    assert run(reply) == AttemptStatus.UNCONFIRMED
    second = do_retry_reply(reply, acting_user=alice)
    assert second.idempotency_key != first.idempotency_key
    first.refresh_from_db()
    assert first.status == AttemptStatus.ABANDONED
    assert outbox.run_reply_attempt(second.pk).status == AttemptStatus.PUBLISHED
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT and reply.external_id == wa.ANSWER_ID


def test_an_unknown_outcome_on_facebook_is_settled_by_finding_the_page_s_answer(
    org_a: Organization, alice: User, net: FakeNetwork, short_timeout: None
) -> None:
    channel = connect(org_a, alice, net, Network.FACEBOOK_PAGE, page_id=fb.PAGE_ID)
    comment = receive(channel, "Ouverts le 15 août ?", external_id=fb.COMMENT_ID)
    fb.install_replies(net, answered_with="Oui, de 9 h à 12 h.")
    net.route(
        "POST",
        rf"/{fb.V}/{fb.COMMENT_ID}/comments",
        Reply(200, {"id": fb.ANSWER_COMMENT_ID}, delay=1.5),
        first=True,
    )
    reply = send(comment, "Oui, de 9 h à 12 h.", alice)
    assert run(reply) == AttemptStatus.PUBLISHED
    reply.refresh_from_db()
    assert reply.external_id == fb.ANSWER_COMMENT_ID
    assert len(net.requests_to("POST", rf"/{fb.V}/{fb.COMMENT_ID}/comments")) == 1


def test_a_rate_limit_holds_the_channel_without_counting_a_try(
    whatsapp_message: InboxItem, alice: User, net: FakeNetwork
) -> None:
    net.route(
        "POST",
        wa.REPLY_CALLS["direct_message"][1],
        Reply(429, wa.ERROR_BODIES[429], {"Retry-After": "120"}),
    )
    reply = send(whatsapp_message, "Oui.", alice)
    attempt = first_attempt(reply)
    assert run(reply) == AttemptStatus.RETRY
    attempt.refresh_from_db()
    assert attempt.tries == 0 and attempt.error_kind == "rate_limited"
    channel = whatsapp_message.channel
    held = RateLimitState.objects.get(scope=f"channel:{channel.pk}").blocked_until
    assert attempt.next_try_at == held > timezone.now() + timedelta(seconds=100)
    # Another reply on the same channel meanwhile waits too, without asking WhatsApp.
    other = send(whatsapp_message, "Et à bientôt.", alice)
    assert run(other) == AttemptStatus.RETRY
    assert first_attempt(other).next_try_at == held
    assert len(net.requests) == 1


def test_an_expired_token_fails_the_reply_and_asks_to_reconnect_the_channel(
    org_a: Organization, alice: User, net: FakeNetwork
) -> None:
    channel = connect(org_a, alice, net, Network.FACEBOOK_PAGE, page_id=fb.PAGE_ID)
    comment = receive(channel, "Ouverts ?", external_id=fb.COMMENT_ID)
    net.route("POST", rf"/{fb.V}/{fb.COMMENT_ID}/comments", Reply(400, fb.ERROR_BODIES[401]))
    reply = send(comment, "Oui.", alice)
    assert run(reply) == AttemptStatus.FAILED
    reply.refresh_from_db()
    channel.refresh_from_db()
    assert reply.status == ReplyStatus.FAILED and "Invalid OAuth" in reply.last_error
    assert channel.status == ChannelStatus.NEEDS_RECONNECT


def test_a_refusal_is_shown_in_whatsapp_s_words_and_can_be_sent_again_later(
    whatsapp_message: InboxItem, alice: User, net: FakeNetwork
) -> None:
    net.route("POST", wa.REPLY_CALLS["direct_message"][1], Reply(400, wa.RE_ENGAGEMENT), times=1)
    wa.install_replies(net)
    reply = send(whatsapp_message, "Oui.", alice)
    assert run(reply) == AttemptStatus.FAILED
    reply.refresh_from_db()
    assert "131047" in reply.last_error and "24 hours" in reply.last_error
    attempt = do_retry_reply(reply, acting_user=alice)
    assert outbox.run_reply_attempt(attempt.pk).status == AttemptStatus.PUBLISHED


def test_a_reply_on_a_disabled_channel_fails_without_calling_the_network(
    mastodon_mention: InboxItem, alice: User, net: FakeNetwork
) -> None:
    reply = send(mastodon_mention, "Oui.", alice)
    Channel.objects.filter(pk=mastodon_mention.channel_id).update(status=ChannelStatus.DISABLED)
    assert run(reply) == AttemptStatus.FAILED
    assert net.requests == []


def test_an_attempt_left_sending_by_a_dead_worker_is_recovered_not_resent(
    whatsapp_message: InboxItem, alice: User, net: FakeNetwork, settings: Any
) -> None:
    settings.HYGIE_PUBLISH_LEASE_SECONDS = 60
    reply = send(whatsapp_message, "Oui.", alice)
    attempt = first_attempt(reply)
    # A worker claimed it long ago and died (its request may or may not have gone out).
    ReplyAttempt.objects.filter(pk=attempt.pk).update(
        status=AttemptStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=5), tries=1
    )
    assert outbox.recover_stuck() == []  # WhatsApp cannot be asked: a person decides
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.UNCONFIRMED and net.requests == []


def test_a_late_answer_from_a_worker_believed_dead_is_ignored(
    mastodon_mention: InboxItem, alice: User, net: FakeNetwork, settings: Any
) -> None:
    MastodonSim(net)
    settings.HYGIE_PUBLISH_LEASE_SECONDS = 60
    reply = send(mastodon_mention, "Oui.", alice)
    attempt = first_attempt(reply)
    assert outbox.engine.claim(ReplyAttempt, attempt.pk, timezone.now())
    ReplyAttempt.objects.filter(pk=attempt.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=5)
    )
    stale_view = ReplyAttempt.objects.get(pk=attempt.pk)  # the worker that went silent
    # Recovery takes it back (Mastodon honours the key: it is simply run again) and sends it.
    assert outbox.recover_stuck() == [attempt.pk]
    assert outbox.run_reply_attempt(attempt.pk).status == AttemptStatus.PUBLISHED
    assert outbox._succeed(stale_view, ReplyResult("late")).status == "lost"
    assert InboxItem.objects.filter(direction=Direction.OUTBOUND).count() == 1


def test_a_lost_queue_message_is_found_and_queued_again(
    mastodon_mention: InboxItem, alice: User, net: FakeNetwork
) -> None:
    MastodonSim(net)
    reply = send(mastodon_mention, "Oui.", alice)
    ReplyAttempt.objects.update(
        next_try_at=timezone.now() - timedelta(minutes=2),
        updated_at=timezone.now() - timedelta(minutes=2),
    )
    assert recover_stuck_replies() == 1  # eager: queued and sent
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SENT


# --- WhatsApp's 24-hour window ----------------------------------------------------------------


def test_after_24_hours_a_whatsapp_reply_needs_the_organisation_s_template(
    whatsapp_message: InboxItem, alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    wa.install_replies(net)
    old = timezone.now() - timedelta(days=2)
    InboxItem.objects.filter(pk=whatsapp_message.pk).update(received_at=old)
    Conversation.objects.filter(pk=whatsapp_message.conversation_id).update(last_inbound_at=old)
    whatsapp_message.refresh_from_db()
    with pytest.raises(ReplyRefused, match="template"):
        send(whatsapp_message, "Oui, elle est prête.", alice)
    do_save_inbox_settings(
        org_a,
        data={"whatsapp_template": "suivi_ordonnance", "whatsapp_template_text": True},
        acting_user=alice,
    )
    reply = send(whatsapp_message, "Oui, elle est prête.", alice)
    assert run(reply) == AttemptStatus.PUBLISHED
    sent = net.requests_to("POST", wa.REPLY_CALLS["direct_message"][1])[0].json()
    assert sent["type"] == "template" and sent["template"]["name"] == "suivi_ordonnance"
    item = InboxItem.objects.get(direction=Direction.OUTBOUND)
    assert item.text == "[suivi_ordonnance] Oui, elle est prête."
