"""Appending to and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from hygie.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from hygie.accounts.models import Organization, User


def _jsonable(value: Any) -> Any:
    """What the JSON column will give back: hashing this makes stored == hashed."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def compute_hash(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "organization_id": event.organization_id,
        "actor_id": event.actor_id,
        "actor_repr": event.actor_repr,
        "verb": event.verb,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "before": event.before,
        "after": event.after,
        "context": event.context,
        "prev_hash": event.prev_hash,
    }


def record_event(
    verb: str,
    *,
    actor: User | None,
    organization: Organization | None = None,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    actor_repr: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    ``verb`` is ``<noun>.<past participle>`` (``post.scheduled``). Call it from an action, in the
    same transaction as the change it describes, so both commit or neither does.
    """
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.seq + 1,
            created_at=timezone.now(),
            organization=organization,
            actor=actor,
            actor_repr=actor_repr or (actor.email if actor is not None else "system"),
            verb=verb,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:255] if target is not None else "",
            before=_jsonable(before),
            after=_jsonable(after),
            context=_jsonable(context or {}),
            prev_hash=head.hash,
        )
        event.hash = compute_hash(_hashed_fields(event))
        event.save()
        AuditChainHead.objects.filter(id=1).update(seq=event.seq, hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


def verify_chain(chunk_size: int = 2000) -> ChainReport:
    """Walk the chain up to the head read first, and report the first broken link, if any.

    Events appended while the walk runs are beyond the head that was read, so they are left for
    the next check instead of being mistaken for tampering.
    """
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq = head.seq if head is not None else None
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    events = AuditEvent.objects.order_by("seq")
    if head_seq is not None:
        events = events.filter(seq__lte=head_seq)
    for event in events.iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            return ChainReport(
                False,
                count,
                expected_prev,
                expected_seq,
                event.pk,
                f"event #{expected_seq} is missing (next stored event is #{event.seq})",
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                False,
                count,
                expected_prev,
                event.seq,
                event.pk,
                f"event #{event.seq} does not link to the hash of event #{event.seq - 1}",
            )
        if compute_hash(_hashed_fields(event)) != event.hash:
            return ChainReport(
                False,
                count,
                expected_prev,
                event.seq,
                event.pk,
                f"event #{event.seq} was altered after it was written (hash mismatch)",
            )
        expected_prev = event.hash
        expected_seq += 1
        count += 1
    if head is not None and (head.seq != count or head.hash != expected_prev):
        return ChainReport(
            False,
            count,
            expected_prev,
            count + 1,
            None,
            f"the chain head says #{head.seq} but the last stored event is #{count}: "
            "events were removed from the end",
        )
    return ChainReport(True, count, expected_prev)
