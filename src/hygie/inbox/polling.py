"""Ingestion by polling: the networks that do not push (Bluesky, Mastodon, Google reviews,
Matrix, e-mail) are asked every minute for what arrived since the last time.

``due_channels`` lists the active channels whose provider polls and that are not held back (a
rate limit, a backoff after failures, a poll still running). ``poll_channel`` polls one:

1. it takes the channel's lease with one conditional UPDATE of its ``PollState`` (a second
   worker polling the same channel at the same time finds it taken and does nothing);
2. it asks the provider for what arrived since the stored cursor (``fetch_inbox``), refreshing
   the token once if the network says it expired, as publishing does;
3. it stores every event with ``do_ingest_item`` (idempotent on the network's id: a message
   fetched twice is stored once);
4. only then it moves the cursor, and only from the value it started with (compare and set):
   a cursor never goes backwards, even when a lease expired and two polls overlapped.

Failures: a rate limit holds the channel (or the whole app) in ``RateLimitState`` until the
network says; an expired authorisation marks the channel "needs reconnecting"; any other error
waits (1, 2, 4… minutes, at most an hour) and keeps the cursor where it was.

Auditing: each poll that stores messages appends one ``inbox.polled`` event (and each message
its own ``inbox_item.received``); a first failure and the recovery after it are audited too. A
poll that finds nothing writes only its bookkeeping row, without an audit event: it happens
every minute for every channel and changes nothing anyone acts on.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hygie.audit.log import record_event
from hygie.channels.models import Channel, ChannelStatus, PollState, RateLimitState
from hygie.channels.tokens import mark_needs_reconnect, save_credentials
from hygie.inbox.actions import do_ingest_item
from hygie.inbox.models import ItemKind
from hygie.providers.base import Provider
from hygie.providers.errors import AuthExpired, ProviderError, RateLimited
from hygie.providers.inbound import InboundEvent, InboxPage, Unsupported
from hygie.providers.registry import polling_kinds, polls

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 3600
DEFAULT_RATE_LIMIT_WAIT = 60
# Column sizes of InboxItem: a longer id cannot be stored faithfully, a longer link is dropped.
MAX_ID, MAX_NAME, MAX_LINK = 255, 255, 200
_KINDS = {kind.value for kind in ItemKind}


@dataclass
class PollOutcome:
    status: str  # polled | busy | skipped | rate_limited | needs_reconnect | failed
    ingested: int = 0
    duplicates: int = 0
    skipped: int = 0
    cursor_moved: bool = False
    reasons: list[str] = field(default_factory=list)


def _blocked(now: datetime) -> tuple[set[int], set[str]]:
    """Channels and networks a rate limit holds back until later."""
    channels: set[int] = set()
    networks: set[str] = set()
    for scope in RateLimitState.objects.filter(blocked_until__gt=now).values_list(
        "scope", flat=True
    ):
        kind, _sep, value = scope.partition(":")
        if kind == "channel" and value.isdigit():
            channels.add(int(value))
        elif kind == "app":
            networks.add(value)
    return channels, networks


def due_channels(now: datetime | None = None) -> list[int]:
    """Ids of the channels to poll now."""
    now = now or timezone.now()
    blocked_channels, blocked_networks = _blocked(now)
    ids = (
        Channel.objects.filter(status=ChannelStatus.ACTIVE, network__in=polling_kinds())
        .exclude(credentials="")  # never connected for real (the demo's channels)
        .exclude(network__in=blocked_networks)
        .exclude(poll_state__next_poll_at__gt=now)
        .exclude(poll_state__lease_until__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [pk for pk in ids if pk not in blocked_channels]


def _blocked_until(channel: Channel, now: datetime) -> datetime | None:
    state = (
        RateLimitState.objects.filter(
            scope__in=[f"channel:{channel.pk}", f"app:{channel.network}"], blocked_until__gt=now
        )
        .order_by("-blocked_until")
        .first()
    )
    return state.blocked_until if state else None


def _claim(channel: Channel, now: datetime) -> tuple[PollState, str] | None:
    """Take the channel's lease; None when another poll holds it."""
    state, _created = PollState.objects.get_or_create(channel=channel)
    token = secrets.token_hex(16)
    taken = PollState.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lte=now), pk=state.pk
    ).update(lease_token=token, lease_until=now + LEASE, last_polled_at=now)
    if not taken:
        return None
    state.refresh_from_db()
    return state, token


def build_provider(channel: Channel) -> Provider:
    from hygie.publishing.engine import build_provider as build

    return build(channel)


def poll_channel(channel_id: int, now: datetime | None = None) -> PollOutcome:
    """Poll one channel's inbox once (see the module's note)."""
    now = now or timezone.now()
    channel = Channel.objects.select_related("organization").filter(pk=channel_id).first()
    if (
        channel is None
        or channel.status != ChannelStatus.ACTIVE
        or not channel.credentials
        or not polls(channel.network)
    ):
        return PollOutcome("skipped")
    blocked = _blocked_until(channel, now)
    if blocked is not None:
        PollState.objects.update_or_create(channel=channel, defaults={"next_poll_at": blocked})
        return PollOutcome("rate_limited")
    claimed = _claim(channel, now)
    if claimed is None:
        return PollOutcome("busy")
    state, token = claimed
    started_from = state.cursor
    try:
        provider = build_provider(channel)
        page = _fetch(provider, started_from)
    except RateLimited as exc:
        wait = exc.retry_after if exc.retry_after is not None else DEFAULT_RATE_LIMIT_WAIT
        until = now + timedelta(seconds=wait)
        scope = f"app:{channel.network}" if exc.scope == "app" else f"channel:{channel.pk}"
        RateLimitState.objects.update_or_create(
            scope=scope, defaults={"blocked_until": until, "reason": exc.message[:300]}
        )
        _release(state, token, next_poll_at=until, error=exc.message)
        return PollOutcome("rate_limited", reasons=[exc.message])
    except AuthExpired as exc:
        mark_needs_reconnect(channel, exc.message)
        _release(state, token, error=exc.message)
        return PollOutcome("needs_reconnect", reasons=[exc.message])
    except Unsupported as exc:
        _release(state, token)
        return PollOutcome("skipped", reasons=[str(exc)])
    except ProviderError as exc:
        logger.warning("polling channel %s failed: %s", channel.pk, exc.message)
        _fail(channel, state, token, exc.message, now)
        return PollOutcome("failed", reasons=[exc.message])
    except Exception as exc:  # a bug reading the network's answer: back off, then re-raise
        _fail(channel, state, token, f"{exc.__class__.__name__}: {exc}", now)
        raise
    if provider.credentials_changed:
        save_credentials(channel, provider.account.credentials)
        provider.credentials_changed = False
    try:
        outcome = ingest(channel, page.events)
    except Exception:
        # The cursor stays: the next poll fetches these messages again (storing is idempotent).
        _release(state, token, error="could not store the messages received")
        raise
    outcome.cursor_moved = _finish(
        channel, state, token, started_from, page.cursor, outcome, timezone.now()
    )
    return outcome


def _fetch(provider: Provider, cursor: str) -> InboxPage:
    if provider.needs_refresh():
        provider.refresh()
    try:
        return provider.fetch_inbox(cursor)
    except AuthExpired as expired:
        try:
            provider.refresh()  # once; a second AuthExpired is the user's to fix
        except AuthExpired:
            raise expired from None
        return provider.fetch_inbox(cursor)


def ingest(channel: Channel, events: list[InboundEvent]) -> PollOutcome:
    """Store the events, oldest first; each one is its own transaction (and audit event)."""
    outcome = PollOutcome("polled")
    for event in sorted(events, key=lambda e: e.received_at):
        problem = _unusable(event)
        if problem:
            outcome.skipped += 1
            outcome.reasons.append(problem)
            continue
        _item, created = do_ingest_item(
            channel,
            kind=event.kind,
            external_id=event.external_id,
            author_name=(event.author_name or event.author_handle or event.author_id or "?")[
                :MAX_NAME
            ],
            author_handle=event.author_handle[:MAX_NAME],
            author_external_id=event.author_id[:MAX_NAME],
            text=event.text,
            received_at=event.received_at,
            rating=event.rating,
            permalink=event.permalink if len(event.permalink) <= MAX_LINK else "",
            thread_external_id=event.thread_id,
            parent_external_id=event.parent_id,
            thread_title=event.thread_title,
            extra=dict(event.extra),
        )
        if created:
            outcome.ingested += 1
        else:
            outcome.duplicates += 1
    return outcome


def _unusable(event: InboundEvent) -> str:
    if event.kind not in _KINDS:
        return f"unknown kind {event.kind!r}"
    if not event.external_id or len(event.external_id) > MAX_ID:
        return f"no usable id ({len(event.external_id)} characters)"
    if len(event.thread_id) > 500 or len(event.parent_id) > 500:
        return "thread or parent id too long"
    return ""


def _release(
    state: PollState, token: str, *, next_poll_at: datetime | None = None, error: str = ""
) -> None:
    PollState.objects.filter(pk=state.pk, lease_token=token).update(
        lease_token="", lease_until=None, next_poll_at=next_poll_at, last_error=error[:2000]
    )


@transaction.atomic
def _fail(channel: Channel, state: PollState, token: str, message: str, now: datetime) -> None:
    row = PollState.objects.select_for_update().get(pk=state.pk)
    row.failures += 1
    delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (row.failures - 1))
    row.next_poll_at = now + timedelta(seconds=delay)
    row.last_error = message[:2000]
    if row.lease_token == token:
        row.lease_token, row.lease_until = "", None
    row.save()
    if row.failures == 1:
        record_event(
            "inbox.poll_failed",
            actor=None,
            actor_repr=channel.network,
            organization=channel.organization,
            target=channel,
            after={"error": message[:500], "retry_at": row.next_poll_at.isoformat()},
        )


@transaction.atomic
def _finish(
    channel: Channel,
    state: PollState,
    token: str,
    started_from: str,
    cursor: str,
    outcome: PollOutcome,
    now: datetime,
) -> bool:
    """Move the cursor (only from where this poll started), release the lease, audit."""
    row = PollState.objects.select_for_update().get(pk=state.pk)
    moved = bool(cursor) and cursor != row.cursor and row.cursor == started_from
    if moved:
        row.cursor = cursor
    recovered = row.failures > 0
    if row.lease_token == token:
        row.lease_token, row.lease_until = "", None
    row.failures = 0
    row.next_poll_at = None
    row.last_error = ""
    row.last_success_at = now
    row.save()
    if outcome.ingested or recovered:
        record_event(
            "inbox.polled",
            actor=None,
            actor_repr=channel.network,
            organization=channel.organization,
            target=channel,
            after={
                "received": outcome.ingested,
                "already_stored": outcome.duplicates,
                "skipped": outcome.skipped,
                "recovered": recovered,
            },
        )
    return moved
