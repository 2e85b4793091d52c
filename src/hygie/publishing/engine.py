"""Publishing exactly once: due posts become attempts, attempts become posts on the networks.

1. ``dispatch_due`` turns every channel of every due post into one PublishAttempt row, in the
   database, before any network call. The row's id is the idempotency key of every try.
2. ``run_attempt`` claims an attempt with one conditional UPDATE (two workers can never both
   send it), calls the provider, and records the outcome:

   ===================  ======================================================================
   published            the post, its id and URL
   rate limited         retry when the network says, and hold the channel (or app) till then
   transient            retry with exponential backoff, up to MAX_TRIES
   auth expired         refresh the token once and retry; else the channel needs reconnecting
   rejected             failed, with the network's reason
   outcome unknown      never retried blindly: see ``reconcile``
   ===================  ======================================================================

3. ``reconcile`` settles an attempt whose outcome is unknown (a timeout after sending, or a
   worker killed while sending, found by ``recover_stuck``): networks that honour the key are
   simply asked again with the same key; others are asked whether the post exists; if they
   cannot tell, the attempt is "unconfirmed" and a person decides.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from hygie.approvals.gate import publication_decision
from hygie.audit.log import record_event
from hygie.channels.connect import oauth_app
from hygie.channels.models import Channel, ChannelStatus, RateLimitState
from hygie.channels.tokens import mark_needs_reconnect
from hygie.providers.base import Account, MediaItem, OutboundPost, Provider
from hygie.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
)
from hygie.providers.registry import provider_class
from hygie.providers.text import find_urls
from hygie.publishing.models import (
    AttemptStatus,
    OutboxAttempt,
    Post,
    PostStatus,
    PostTarget,
    PublishAttempt,
    TargetStatus,
)

logger = logging.getLogger(__name__)
R = TypeVar("R")

MAX_TRIES = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
DEFAULT_RATE_LIMIT_WAIT = 60


def lease_seconds() -> int:
    """An attempt still 'sending' after this long belongs to a worker that died."""
    return int(getattr(settings, "HYGIE_PUBLISH_LEASE_SECONDS", 300))


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_at: datetime | None = None


# --- 1. Due posts become attempts --------------------------------------------------------------


def dispatch_due(now: datetime | None = None, *, batch: int = 1000) -> list[int]:
    """Create the attempts of every due post; return the ids of attempts ready to run.

    Works in batches of ``batch`` channels, each in one transaction; on PostgreSQL concurrent
    dispatchers skip each other's locked rows, and the partial unique index on active attempts
    makes a second attempt for the same channel impossible anyway.
    """
    now = now or timezone.now()
    created: list[int] = []
    while True:
        with transaction.atomic():
            targets = list(
                PostTarget.objects.filter(
                    post__status=PostStatus.SCHEDULED,
                    post__scheduled_at__lte=now,
                    status=TargetStatus.PENDING,
                )
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:batch]
            )
            if not targets:
                break
            attempts = PublishAttempt.objects.bulk_create(
                [PublishAttempt(target=t, next_try_at=now) for t in targets]
            )
            PostTarget.objects.filter(pk__in=[t.pk for t in targets]).update(
                status=TargetStatus.PUBLISHING
            )
            created += [a.pk for a in attempts if a.pk is not None]
        if len(targets) < batch:
            break
    already = set(created)
    return created + [pk for pk in stale_due(PublishAttempt, now) if pk not in already]


def stale_due(model: type[OutboxAttempt], now: datetime) -> list[int]:
    """Attempts whose message may have been lost: due for a minute and untouched for a minute.

    They are touched when returned, so a backlog is not queued again at every pass; claiming is
    atomic, so a duplicate message is harmless.
    """
    stale_filter = {
        "status__in": [AttemptStatus.QUEUED, AttemptStatus.RETRY],
        "next_try_at__lte": now - timedelta(seconds=60),
        "updated_at__lte": now - timedelta(seconds=60),
    }
    manager = model._default_manager
    stale = list(manager.filter(**stale_filter).values_list("pk", flat=True)[:5000])
    manager.filter(pk__in=stale).update(updated_at=now)
    return stale


# --- 2. Running an attempt ---------------------------------------------------------------------


def build_provider(channel: Channel, post: Post | None = None) -> Provider:
    settings_ = dict(channel.settings)
    if post is not None:
        # Networks that fetch images themselves (Instagram, Google) get their public URLs.
        settings_["media_urls"] = {
            m.filename: f"{settings.HYGIE_BASE_URL}{reverse('public_media', args=[m.public_token])}"
            for m in post.media.all()
        }
    account = Account(
        handle=channel.handle,
        credentials=channel.credentials_dict(),
        settings=settings_,
        base_url=channel.base_url or None,
        app=oauth_app(channel.network),
    )
    return provider_class(channel.network)(account)


def outbound(attempt: PublishAttempt) -> OutboundPost:
    post = attempt.target.post
    media = []
    for item in post.media.all():
        with item.file.open("rb") as fh:
            data = fh.read()
        media.append(
            MediaItem(data, item.mime_type, item.alt_text, item.filename, item.width, item.height)
        )
    text = post.text_for(attempt.target.channel.network)
    urls = [url for _start, _end, url in find_urls(text)]
    return OutboundPost(
        text=text,
        media=tuple(media),
        language="fr",
        link=urls[0] if urls and not media else None,
        created_at=attempt.created_at,
    )


def _claim(attempt_id: int, now: datetime) -> bool:
    return claim(PublishAttempt, attempt_id, now)


def claim(model: type[OutboxAttempt], attempt_id: int, now: datetime) -> bool:
    """Take an attempt that is due (``queued|retry`` → ``sending``) with one conditional UPDATE:
    of two workers, only one can succeed."""
    claimed = model._default_manager.filter(
        pk=attempt_id,
        status__in=[AttemptStatus.QUEUED, AttemptStatus.RETRY],
        next_try_at__lte=now,
    ).update(
        status=AttemptStatus.SENDING,
        claimed_at=now,
        claimed_by=f"{socket.gethostname()}:{os.getpid()}",
        tries=F("tries") + 1,
    )
    return claimed == 1


def blocked_until(channel: Channel, now: datetime) -> datetime | None:
    """Until when the network asked us to leave this channel (or its whole app) alone."""
    state = (
        RateLimitState.objects.filter(
            scope__in=[f"channel:{channel.pk}", f"app:{channel.network}"], blocked_until__gt=now
        )
        .order_by("-blocked_until")
        .first()
    )
    return state.blocked_until if state else None


def run_attempt(attempt_id: int, now: datetime | None = None) -> Outcome:
    now = now or timezone.now()
    if not _claim(attempt_id, now):
        status = PublishAttempt.objects.filter(pk=attempt_id).values_list("status", flat=True)
        return Outcome(status.first() or "missing")
    attempt = (
        PublishAttempt.objects.select_related("target__post__organization", "target__channel")
        .prefetch_related("target__post__media", "target__post__variants")
        .get(pk=attempt_id)
    )
    channel = attempt.target.channel
    blocked = blocked_until(channel, now)
    if blocked is not None:
        return _set_retry(
            attempt, blocked, "rate_limited", "waiting for the network's limit", count_try=False
        )
    if channel.status != ChannelStatus.ACTIVE:
        return _fail(attempt, "channel", f"the channel is {channel.get_status_display()}")
    if not (decision := publication_decision(attempt.target.post)).allowed:
        return _fail(attempt, "approval", decision.reason)
    try:
        provider = build_provider(channel, attempt.target.post)
    except Exception as exc:
        return _fail(attempt, "configuration", str(exc))
    return _publish_with(provider, attempt, now)


def _publish_with(provider: Provider, attempt: PublishAttempt, now: datetime) -> Outcome:
    return send_with(
        provider,
        attempt.target.channel,
        attempt,
        now,
        lambda: provider.publish(outbound(attempt), idempotency_key=attempt.idempotency_key),
        succeed=lambda result: _succeed(attempt, result.external_id, result.url),
        fail=lambda kind, message: _fail(attempt, kind, message),
        unknown=lambda reason: reconcile(attempt.pk, provider=provider, reason=reason),
    )


def send_with(
    provider: Provider,
    channel: Channel,
    attempt: OutboxAttempt,
    now: datetime,
    send: Callable[[], R],
    *,
    succeed: Callable[[R], Outcome],
    fail: Callable[[str, str], Outcome],
    unknown: Callable[[str], Outcome],
) -> Outcome:
    """Make the one network call of a claimed attempt and turn its answer into an outcome.

    The token is refreshed first when it is about to expire, and once more if the network says
    it expired. Rate limits hold the channel (or the app) in RateLimitState and retry then,
    without counting a try; retryable errors back off exponentially, up to MAX_TRIES; an
    unknown outcome goes to ``unknown`` (never retried blindly); the rest is ``fail``.
    """
    try:
        if provider.needs_refresh():
            provider.refresh()
        try:
            result = send()
        except AuthExpired as expired:
            try:
                provider.refresh()  # once; a second AuthExpired goes to the handler below
            except AuthExpired:
                raise expired from None  # the network's own words, not the refresh's
            result = send()
    except RateLimited as exc:
        save_credentials(channel, provider)
        until = hold_rate_limit(channel, exc, now)
        return _set_retry(attempt, until, exc.kind, exc.message, count_try=False)
    except AuthExpired as exc:
        mark_needs_reconnect(channel, exc.message)
        return fail(exc.kind, exc.message)
    except OutcomeUnknown as exc:
        save_credentials(channel, provider)
        return unknown(exc.message)
    except ProviderError as exc:
        save_credentials(channel, provider)
        if exc.retryable and attempt.tries < MAX_TRIES:
            delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt.tries - 1))
            return _set_retry(attempt, now + timedelta(seconds=delay), exc.kind, exc.message)
        return fail(exc.kind, exc.message)
    save_credentials(channel, provider)
    return succeed(result)


def hold_rate_limit(channel: Channel, exc: RateLimited, now: datetime) -> datetime:
    """Remember until when the network wants this channel (or its whole app) left alone."""
    wait = exc.retry_after if exc.retry_after is not None else DEFAULT_RATE_LIMIT_WAIT
    until = now + timedelta(seconds=wait)
    scope = f"app:{channel.network}" if exc.scope == "app" else f"channel:{channel.pk}"
    RateLimitState.objects.update_or_create(
        scope=scope, defaults={"blocked_until": until, "reason": exc.message[:300]}
    )
    return until


def save_credentials(channel: Channel, provider: Provider) -> None:
    """Store the tokens a refresh gave the provider (encrypted, like every credential)."""
    if provider.credentials_changed:
        Channel.objects.filter(pk=channel.pk).update(
            credentials=Channel._meta.get_field("credentials").get_prep_value(
                json.dumps(provider.account.credentials)
            )
        )
        provider.credentials_changed = False


# --- outcomes (each one transaction, audited) -------------------------------------------------


def holding(attempt: OutboxAttempt) -> Any:
    """The attempt's row, only while this run still holds its claim (a fencing token): if
    recovery took it back from a worker it believed dead, that worker's late answer is ignored."""
    return type(attempt)._default_manager.filter(
        pk=attempt.pk, status=AttemptStatus.SENDING, claimed_at=attempt.claimed_at
    )


_holding = holding


@transaction.atomic
def _succeed(attempt: PublishAttempt, external_id: str, url: str) -> Outcome:
    now = timezone.now()
    if not _holding(attempt).update(
        status=AttemptStatus.PUBLISHED,
        finished_at=now,
        external_id=external_id,
        external_url=url,
        error_kind="",
        error_message="",
    ):
        return Outcome("lost")
    target = attempt.target
    PostTarget.objects.filter(pk=target.pk).update(
        status=TargetStatus.PUBLISHED,
        external_id=external_id,
        external_url=url,
        published_at=now,
        last_error="",
    )
    post = target.post
    settle_post(post)
    # Last: the audit chain's head is locked from here to the commit, keep that short.
    record_event(
        "post_target.published",
        actor=None,
        actor_repr="publisher",
        organization=post.organization,
        target=post,
        after={"channel": str(target.channel), "url": url, "attempt": attempt.pk},
    )
    return Outcome(AttemptStatus.PUBLISHED)


def settle_post(post: Post) -> None:
    """A post is published when every channel is; failed when one failed and none is pending."""
    statuses = set(PostTarget.objects.filter(post=post).values_list("status", flat=True))
    if statuses == {TargetStatus.PUBLISHED}:
        Post.objects.filter(pk=post.pk).update(
            status=PostStatus.PUBLISHED, published_at=timezone.now()
        )
    elif TargetStatus.FAILED in statuses and not statuses & {
        TargetStatus.PENDING,
        TargetStatus.PUBLISHING,
    }:
        Post.objects.filter(pk=post.pk).update(status=PostStatus.FAILED)


@transaction.atomic
def _fail(attempt: PublishAttempt, kind: str, message: str) -> Outcome:
    if not _holding(attempt).update(
        status=AttemptStatus.FAILED,
        finished_at=timezone.now(),
        error_kind=kind,
        error_message=message[:2000],
    ):
        return Outcome("lost")
    target = attempt.target
    PostTarget.objects.filter(pk=target.pk).update(
        status=TargetStatus.FAILED, last_error=message[:2000]
    )
    settle_post(target.post)
    record_event(
        "post_target.failed",
        actor=None,
        actor_repr="publisher",
        organization=target.post.organization,
        target=target.post,
        after={"channel": str(target.channel), "error": kind, "message": message[:500]},
    )
    return Outcome(AttemptStatus.FAILED)


def set_retry(
    attempt: OutboxAttempt, when: datetime, kind: str, message: str, *, count_try: bool = True
) -> Outcome:
    """Give the attempt back to the queue, due at ``when`` (the claim is released)."""
    updates: dict[str, object] = {
        "status": AttemptStatus.RETRY,
        "next_try_at": when,
        "error_kind": kind,
        "error_message": message[:2000],
        "claimed_at": None,
    }
    if not count_try:
        updates["tries"] = F("tries") - 1
    if not _holding(attempt).update(**updates):
        return Outcome("lost")
    return Outcome(AttemptStatus.RETRY, retry_at=when)


_set_retry = set_retry


# --- 3. Unknown outcomes ---------------------------------------------------------------------


def reconcile(attempt_id: int, *, provider: Provider | None = None, reason: str = "") -> Outcome:
    """Settle an attempt whose request may have gone through. Never publishes blindly."""
    attempt = PublishAttempt.objects.select_related(
        "target__post__organization", "target__channel"
    ).get(pk=attempt_id)
    provider = provider or build_provider(attempt.target.channel, attempt.target.post)
    now = timezone.now()
    age = (now - attempt.created_at).total_seconds()
    if provider.idempotent_publish and (
        provider.idempotency_ttl is None or age < provider.idempotency_ttl - 60
    ):
        # Sending again with the same key cannot create a second post: it is the lookup.
        return _set_retry(
            attempt, now, "outcome_unknown", reason or "retrying with the same key", count_try=False
        )
    try:
        found = provider.find_published(
            outbound(attempt),
            idempotency_key=attempt.idempotency_key,
            since=attempt.created_at - timedelta(minutes=5),
        )
    except ProviderError as exc:
        found, note = None, f"could not ask {provider.label}: {exc.message}"
    else:
        note = "" if found else f"not found on {provider.label} (it may still appear)"
    if found is not None:
        return _succeed(attempt, found.external_id, found.url)
    return _unconfirm(attempt, reason, note)


@transaction.atomic
def _unconfirm(attempt: PublishAttempt, reason: str, note: str) -> Outcome:
    if not _holding(attempt).update(
        status=AttemptStatus.UNCONFIRMED,
        error_kind="outcome_unknown",
        error_message=reason[:2000],
        lookup_note=note[:2000],
        claimed_at=None,
    ):
        return Outcome("lost")
    target = attempt.target
    PostTarget.objects.filter(pk=target.pk).update(
        status=TargetStatus.UNCONFIRMED, last_error=reason[:2000]
    )
    record_event(
        "post_target.unconfirmed",
        actor=None,
        actor_repr="publisher",
        organization=target.post.organization,
        target=target.post,
        after={"channel": str(target.channel), "reason": reason[:300], "lookup": note[:300]},
    )
    return Outcome(AttemptStatus.UNCONFIRMED)


def recover_stuck(now: datetime | None = None) -> list[int]:
    """Attempts left 'sending' by a worker that died: reconcile each one; return those to run."""
    to_run = []
    for attempt_id in take_back_stuck(PublishAttempt, now or timezone.now()):
        logger.warning("publish attempt %s was left sending by a dead worker", attempt_id)
        outcome = reconcile(attempt_id, reason="the worker stopped while sending")
        if outcome.status == AttemptStatus.RETRY:
            to_run.append(attempt_id)
    return to_run


def take_back_stuck(model: type[OutboxAttempt], now: datetime) -> list[int]:
    """The attempts still 'sending' after the lease, each taken back from its dead worker (its
    claim renewed) so that two recoverers cannot both reconcile it."""
    cutoff = now - timedelta(seconds=lease_seconds())
    manager = model._default_manager
    expired = Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True)
    stuck = manager.filter(status=AttemptStatus.SENDING).filter(expired)
    taken = []
    for attempt_id in list(stuck.values_list("pk", flat=True)[:1000]):
        if (
            manager.filter(pk=attempt_id, status=AttemptStatus.SENDING)
            .filter(expired)
            .update(claimed_at=now)
            == 1
        ):
            taken.append(attempt_id)
    return taken
