"""Replies exactly once: a decided reply becomes one message on the network, never two.

The discipline, and the helpers, of publishing (publishing/engine.py):

1. ``do_send_reply`` (actions/sending.py) checks the reply and writes an ``OutboundReply`` and
   its first ``ReplyAttempt`` in one transaction, before any network call. The attempt's key
   (``hygie-reply-<id>``) is the idempotency key of every try.
2. ``run_reply_attempt`` claims the attempt with one conditional UPDATE, asks the provider to
   answer, and records the outcome: sent (the message joins the thread through
   ``do_record_outbound``), rate limited, transient (backoff), auth expired, rejected, or
   outcome unknown. Each outcome is written only while the claim still holds (fencing).
3. An unknown outcome (a timeout after sending, a worker killed while sending, found by
   ``recover_stuck``) is never retried blindly: networks where the same key cannot make a
   second reply (Bluesky's record key, Mastodon's Idempotency-Key within its hour, Google's
   one reply per review, Matrix's transaction id) are asked again with the same key; the
   others are asked whether the reply exists (``find_reply``), and otherwise the reply is
   "unconfirmed": a member checks the network and says it was sent, or sends it again (a new
   attempt, a new key).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from hygie.audit.log import record_event
from hygie.channels.models import Channel, ChannelStatus
from hygie.inbox.models import OutboundReply, ReplyAttempt, ReplyStatus
from hygie.providers.base import Provider
from hygie.providers.errors import ProviderError, Rejected
from hygie.providers.inbound import ReplyResult, ReplyTarget, Unsupported
from hygie.publishing import engine
from hygie.publishing.engine import Outcome
from hygie.publishing.models import AttemptStatus

logger = logging.getLogger(__name__)


def _load(attempt_id: int) -> ReplyAttempt:
    return ReplyAttempt.objects.select_related(
        "reply__organization",
        "reply__channel",
        "reply__conversation",
        "reply__in_reply_to__author",
        "reply__sent_by",
    ).get(pk=attempt_id)


def reply_settings(channel: Channel) -> dict[str, object]:
    """What the organisation's inbox settings tell a provider about replies (WhatsApp's
    template outside the 24-hour window)."""
    from hygie.inbox.actions import settings_for

    chosen = settings_for(channel.organization)
    if not chosen.whatsapp_template:
        return {}
    return {
        "whatsapp_template": chosen.whatsapp_template,
        "whatsapp_template_language": chosen.whatsapp_template_language,
        "whatsapp_template_text": chosen.whatsapp_template_text,
    }


def build_reply_provider(channel: Channel) -> Provider:
    provider = engine.build_provider(channel)
    provider.account.settings.update(reply_settings(channel))
    return provider


def reply_target(attempt: ReplyAttempt) -> ReplyTarget:
    """The item answered as the provider sees it; ``requested_at`` is the attempt's creation,
    stable across its retries (Bluesky derives the record key from it)."""
    reply = attempt.reply
    item = reply.in_reply_to
    conversation = reply.conversation
    extra = {"author_handle": item.author_handle, **{str(k): str(v) for k, v in item.extra.items()}}
    return ReplyTarget(
        kind=item.kind,
        external_id=item.external_id,
        thread_id=conversation.thread_external_id,
        author_id=item.author.external_id if item.author is not None else "",
        extra=extra,
        requested_at=attempt.created_at,
        last_inbound_at=conversation.last_inbound_at,
    )


# --- running an attempt ------------------------------------------------------------------------


def run_reply_attempt(attempt_id: int, now: datetime | None = None) -> Outcome:
    now = now or timezone.now()
    if not engine.claim(ReplyAttempt, attempt_id, now):
        status = ReplyAttempt.objects.filter(pk=attempt_id).values_list("status", flat=True)
        return Outcome(status.first() or "missing")
    attempt = _load(attempt_id)
    channel = attempt.reply.channel
    blocked = engine.blocked_until(channel, now)
    if blocked is not None:
        return engine.set_retry(
            attempt, blocked, "rate_limited", "waiting for the network's limit", count_try=False
        )
    if channel.status != ChannelStatus.ACTIVE:
        return _fail(attempt, "channel", f"the channel is {channel.get_status_display()}")
    try:
        provider = build_reply_provider(channel)
    except Exception as exc:
        return _fail(attempt, "configuration", str(exc))
    target = reply_target(attempt)

    def send() -> ReplyResult:
        try:
            return provider.reply(
                target, attempt.reply.text, idempotency_key=attempt.idempotency_key
            )
        except Unsupported as exc:
            raise Rejected(str(exc), code="unsupported") from exc

    return engine.send_with(
        provider,
        channel,
        attempt,
        now,
        send,
        succeed=lambda result: _succeed(attempt, result),
        fail=lambda kind, message: _fail(attempt, kind, message),
        unknown=lambda reason: reconcile(attempt.pk, provider=provider, reason=reason),
    )


# --- outcomes (each one transaction, audited) -------------------------------------------------


@transaction.atomic
def _succeed(attempt: ReplyAttempt, result: ReplyResult) -> Outcome:
    from hygie.inbox.actions import do_record_reply_sent

    if not engine.holding(attempt).update(
        status=AttemptStatus.PUBLISHED,
        finished_at=timezone.now(),
        external_id=result.external_id[:500],
        external_url=result.url[:500],
        error_kind="",
        error_message="",
    ):
        return Outcome("lost")
    do_record_reply_sent(
        attempt.reply,
        external_id=result.external_id,
        url=result.url,
        sent_text=result.sent_text,
        acting_user=None,
        attempt=attempt.pk,
    )
    return Outcome(AttemptStatus.PUBLISHED)


@transaction.atomic
def _fail(attempt: ReplyAttempt, kind: str, message: str) -> Outcome:
    if not engine.holding(attempt).update(
        status=AttemptStatus.FAILED,
        finished_at=timezone.now(),
        error_kind=kind,
        error_message=message[:2000],
    ):
        return Outcome("lost")
    reply = attempt.reply
    OutboundReply.objects.filter(pk=reply.pk).update(
        status=ReplyStatus.FAILED, last_error=message[:2000], updated_at=timezone.now()
    )
    record_event(
        "outbound_reply.failed",
        actor=None,
        actor_repr="reply outbox",
        organization=reply.organization,
        target=reply.conversation,
        after={"reply": reply.pk, "attempt": attempt.pk, "error": kind, "message": message[:500]},
    )
    return Outcome(AttemptStatus.FAILED)


@transaction.atomic
def _unconfirm(attempt: ReplyAttempt, reason: str, note: str) -> Outcome:
    if not engine.holding(attempt).update(
        status=AttemptStatus.UNCONFIRMED,
        error_kind="outcome_unknown",
        error_message=reason[:2000],
        lookup_note=note[:2000],
        claimed_at=None,
    ):
        return Outcome("lost")
    reply = attempt.reply
    OutboundReply.objects.filter(pk=reply.pk).update(
        status=ReplyStatus.UNCONFIRMED, last_error=reason[:2000], updated_at=timezone.now()
    )
    record_event(
        "outbound_reply.unconfirmed",
        actor=None,
        actor_repr="reply outbox",
        organization=reply.organization,
        target=reply.conversation,
        after={
            "reply": reply.pk,
            "attempt": attempt.pk,
            "reason": reason[:300],
            "lookup": note[:300],
        },
    )
    return Outcome(AttemptStatus.UNCONFIRMED)


# --- unknown outcomes ------------------------------------------------------------------------


def reconcile(attempt_id: int, *, provider: Provider | None = None, reason: str = "") -> Outcome:
    """Settle an attempt whose request may have gone through. Never sends blindly."""
    attempt = _load(attempt_id)
    provider = provider or build_reply_provider(attempt.reply.channel)
    now = timezone.now()
    age = (now - attempt.created_at).total_seconds()
    if provider.idempotent_reply and (
        provider.idempotency_ttl is None or age < provider.idempotency_ttl - 60
    ):
        # Sending again with the same key cannot make a second reply: it is the lookup.
        return engine.set_retry(
            attempt, now, "outcome_unknown", reason or "retrying with the same key", count_try=False
        )
    try:
        found = provider.find_reply(
            reply_target(attempt),
            attempt.reply.text,
            idempotency_key=attempt.idempotency_key,
            since=attempt.created_at - timedelta(minutes=5),
        )
    except (ProviderError, Unsupported) as exc:
        found, note = None, f"could not ask {provider.label}: {exc}"
    else:
        note = "" if found else f"not found on {provider.label} (it may still appear)"
    if found is not None:
        return _succeed(attempt, found)
    return _unconfirm(attempt, reason, note)


def recover_stuck(now: datetime | None = None) -> list[int]:
    """Attempts left 'sending' by a worker that died: reconcile each; return those to run."""
    to_run = []
    for attempt_id in engine.take_back_stuck(ReplyAttempt, now or timezone.now()):
        logger.warning("reply attempt %s was left sending by a dead worker", attempt_id)
        outcome = reconcile(attempt_id, reason="the worker stopped while sending")
        if outcome.status == AttemptStatus.RETRY:
            to_run.append(attempt_id)
    return to_run


def stale_due(now: datetime | None = None) -> list[int]:
    """Attempts due for a while that nobody ran (their message was lost)."""
    return engine.stale_due(ReplyAttempt, now or timezone.now())
