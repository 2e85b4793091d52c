"""Writes of moderation: evidence, network actions, the queue, rules.

The original is always kept first: ``do_take_evidence`` snapshots the message (and its SHA-256)
in its own transaction before any hide or delete, and before a message enters the queue.

``do_moderate`` talks to a network, so it is not one transaction but three steps, like the
publishing engine: (1) evidence and a ``sending`` log row, committed; (2) the network call,
outside any transaction; (3) the outcome, committed with its audit event. A refusal by the
network leaves the evidence and the failed row, and raises ``ModerationFailed`` with the
network's words. Call it outside ``transaction.atomic`` so step 1 is committed before step 2.

The queue: ``do_enqueue`` puts a message in front of a person with a reason (a rule today, a
classifier and its score in issue #6) after hiding or deleting it when the reason asks for it
and the network allows it; ``do_confirm`` keeps it so, ``do_restore`` shows it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import UTC
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.channels.models import Channel
from hygie.channels.tokens import mark_needs_reconnect
from hygie.inbox.models import InboxItem, ItemKind
from hygie.moderation import matching, network
from hygie.moderation.models import (
    Evidence,
    MatchKind,
    ModerationLog,
    ModerationRule,
    Outcome,
    QueueEntry,
    QueueStatus,
    RuleAction,
)
from hygie.moderation.state import state_of, supported
from hygie.providers.errors import AuthExpired, ProviderError
from hygie.providers.inbound import ModerationAction, Unsupported

logger = logging.getLogger(__name__)

# The strongest action wins when several rules match a message.
SEVERITY = {RuleAction.QUEUE: 0, RuleAction.HIDE: 1, RuleAction.DELETE: 2}
DONE_VERBS = {
    ModerationAction.HIDE: "inbox_item.hidden",
    ModerationAction.UNHIDE: "inbox_item.unhidden",
    ModerationAction.DELETE: "inbox_item.deleted",
    ModerationAction.BLOCK: "author.blocked",
}
MAX_NOTE = 2000


class ModerationFailed(ActionError):
    """The network refused or could not be reached; the evidence and the log row stay."""

    def __init__(self, message: str, log: ModerationLog) -> None:
        super().__init__(message)
        self.message = message
        self.log = log


# --- Evidence --------------------------------------------------------------------------------


def snapshot(item: InboxItem) -> dict[str, Any]:
    """The message as received, in the form that is hashed (stable keys, UTC time)."""
    attachments: Any = getattr(item, "attachments", None)  # not kept by the inbox yet
    return {
        "item": item.pk,
        "network": item.channel.network,
        "kind": item.kind,
        "external_id": item.external_id,
        "text": item.text,
        "author_name": item.author_name,
        "author_handle": item.author_handle,
        "author_external_id": item.author.external_id if item.author is not None else "",
        "received_at": item.received_at.astimezone(UTC).isoformat(),
        "permalink": item.permalink,
        "attachments": [str(a) for a in attachments] if isinstance(attachments, list) else [],
    }


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def evidence_content(evidence: Evidence) -> dict[str, Any]:
    """The snapshot an evidence row stands for (its hash must be ``evidence.sha256``)."""
    return {
        "item": evidence.item_id,
        "network": evidence.network,
        "kind": evidence.kind,
        "external_id": evidence.external_id,
        "text": evidence.text,
        "author_name": evidence.author_name,
        "author_handle": evidence.author_handle,
        "author_external_id": evidence.author_external_id,
        "received_at": evidence.received_at.astimezone(UTC).isoformat(),
        "permalink": evidence.permalink,
        "attachments": list(evidence.attachments),
    }


def evidence_intact(evidence: Evidence) -> bool:
    return content_hash(evidence_content(evidence)) == evidence.sha256


def _item(item: InboxItem) -> InboxItem:
    return InboxItem.objects.select_related("channel", "author", "conversation").get(pk=item.pk)


@transaction.atomic
def do_take_evidence(item: InboxItem, *, acting_user: User | None, taken_for: str = "") -> Evidence:
    """Snapshot the message. The same content already kept is not kept twice."""
    item = _item(item)
    content = snapshot(item)
    digest = content_hash(content)
    latest = Evidence.objects.filter(item=item).order_by("-taken_at", "-id").first()
    if latest is not None and latest.sha256 == digest:
        return latest
    evidence = Evidence.objects.create(
        organization_id=item.organization_id,
        item=item,
        network=content["network"],
        channel_name=str(item.channel)[:200],
        kind=item.kind,
        external_id=item.external_id,
        text=item.text,
        author_name=item.author_name,
        author_handle=item.author_handle,
        author_external_id=content["author_external_id"],
        received_at=item.received_at,
        permalink=item.permalink,
        attachments=content["attachments"],
        sha256=digest,
        taken_at=timezone.now(),
        taken_by=acting_user,
        taken_for=taken_for[:255],
    )
    record_event(
        "evidence.taken",
        actor=acting_user,
        actor_repr=None if acting_user is not None else (taken_for or "moderation"),
        organization=item.organization,
        target=evidence,
        after={"item": item.pk, "sha256": digest},
    )
    return evidence


# --- Network actions -------------------------------------------------------------------------


@transaction.atomic
def _begin(
    item: InboxItem,
    action: ModerationAction,
    *,
    acting_user: User | None,
    reason: str,
    entry: QueueEntry | None,
) -> ModerationLog:
    evidence = do_take_evidence(item, acting_user=acting_user, taken_for=reason)
    log = ModerationLog.objects.create(
        organization_id=item.organization_id,
        item=item,
        author_ref=item.author_id,
        evidence=evidence,
        entry=entry,
        action=action.value,
        reason=reason[:100],
        requested_by=acting_user,
    )
    return log


@transaction.atomic
def _finish(
    log: ModerationLog, item: InboxItem, *, acting_user: User | None, error: ProviderError | None
) -> None:
    log.finished_at = timezone.now()
    if error is None:
        log.outcome = Outcome.DONE
    else:
        log.outcome = Outcome.FAILED
        log.error_kind = error.kind[:32]
        log.error = error.message
    log.save(update_fields=["outcome", "error_kind", "error", "finished_at", "updated_at"])
    action = ModerationAction(log.action)
    details = {
        "item": item.pk,
        "external_id": item.external_id,
        "action": action.value,
        "evidence": log.evidence_id,
        "reason": log.reason,
    }
    actor_repr = None if acting_user is not None else (log.reason or "moderation")
    if error is None:
        target: Any = item.author if action == ModerationAction.BLOCK and item.author else item
        record_event(
            DONE_VERBS[action],
            actor=acting_user,
            actor_repr=actor_repr,
            organization=item.organization,
            target=target,
            after=details,
        )
    else:
        record_event(
            "moderation.failed",
            actor=acting_user,
            actor_repr=actor_repr,
            organization=item.organization,
            target=item,
            after={**details, "error_kind": error.kind, "error": error.message[:500]},
        )


class _UnsupportedError(ProviderError):
    kind = "unsupported"


def do_moderate(
    item: InboxItem,
    action: ModerationAction | str,
    *,
    acting_user: User | None,
    reason: str = "manual",
    entry: QueueEntry | None = None,
) -> ModerationLog:
    """Hide, unhide or delete ``item`` on its network, or block its author: evidence first."""
    action = ModerationAction(action)
    item = _item(item)
    if action not in state_of(item).actions:
        raise ActionError(
            _("%(network)s does not allow this for this message, or it is already done.")
            % {"network": item.channel.get_network_display()}
        )
    log = _begin(item, action, acting_user=acting_user, reason=reason, entry=entry)
    error: ProviderError | None = None
    try:
        network.perform(item.channel, action, network.target_for(item))
    except Unsupported as exc:
        error = _UnsupportedError(str(exc))
    except AuthExpired as exc:
        mark_needs_reconnect(item.channel, exc.message)
        error = exc
    except ProviderError as exc:
        error = exc
    except Exception as exc:  # a bug: record it, then let it be seen
        _finish(log, item, acting_user=acting_user, error=ProviderError(repr(exc)))
        raise
    _finish(log, item, acting_user=acting_user, error=error)
    if error is not None:
        raise ModerationFailed(
            _("%(network)s refused: %(message)s")
            % {"network": item.channel.get_network_display(), "message": error.message},
            log,
        )
    return log


# --- The queue -------------------------------------------------------------------------------


def effective_action(item: InboxItem, wanted: RuleAction | str) -> RuleAction:
    """What can be done of ``wanted`` on this message: a delete the network does not allow
    becomes a hide, a hide it does not allow (or already done) leaves the message as it is."""
    wanted = RuleAction(wanted)
    offered = state_of(item).actions
    if wanted == RuleAction.DELETE and ModerationAction.DELETE in offered:
        return RuleAction.DELETE
    if wanted in (RuleAction.DELETE, RuleAction.HIDE) and ModerationAction.HIDE in offered:
        return RuleAction.HIDE
    return RuleAction.QUEUE


@transaction.atomic
def _open_entry(
    item: InboxItem,
    *,
    reason: str,
    reason_label: str,
    planned: RuleAction,
    rule: ModerationRule | None,
    score: float | None,
    matched_text: str,
    acting_user: User | None,
) -> tuple[QueueEntry, bool]:
    existing = QueueEntry.objects.filter(item=item, status=QueueStatus.PENDING).first()
    if existing is not None:
        return existing, False
    evidence = do_take_evidence(item, acting_user=acting_user, taken_for=reason)
    try:
        with transaction.atomic():
            entry = QueueEntry.objects.create(
                organization_id=item.organization_id,
                item=item,
                evidence=evidence,
                rule=rule,
                reason=reason[:100],
                reason_label=reason_label[:200],
                score=score,
                matched_text=matched_text[:200],
                planned_action=planned,
            )
    except IntegrityError:  # queued at the same moment by another worker
        return QueueEntry.objects.get(item=item, status=QueueStatus.PENDING), False
    record_event(
        "moderation_entry.queued",
        actor=acting_user,
        actor_repr=None if acting_user is not None else reason,
        organization=item.organization,
        target=entry,
        after={
            "item": item.pk,
            "reason": entry.reason,
            "score": score,
            "planned_action": planned.value,
            "evidence": evidence.pk,
        },
    )
    return entry, True


@transaction.atomic
def _note_action(entry: QueueEntry, action: str, error: str) -> None:
    QueueEntry.objects.filter(pk=entry.pk).update(
        action_taken=action, action_error=error[:2000], updated_at=timezone.now()
    )
    entry.action_taken, entry.action_error = action, error[:2000]


def do_enqueue(
    item: InboxItem,
    *,
    reason: str,
    reason_label: str,
    action: RuleAction | str = RuleAction.QUEUE,
    rule: ModerationRule | None = None,
    score: float | None = None,
    matched_text: str = "",
    acting_user: User | None = None,
) -> QueueEntry:
    """Put the message in the queue (once: a pending entry is returned as it is), after hiding
    or deleting it on the network when ``action`` asks for it and the network allows it.

    ``reason`` is ``rule:<id>`` or ``classifier:<name>``; a network failure is kept on the
    entry (``action_error``) and the message stays in the queue for a person.
    """
    item = _item(item)
    planned = RuleAction(action)
    entry, created = _open_entry(
        item,
        reason=reason,
        reason_label=reason_label,
        planned=planned,
        rule=rule,
        score=score,
        matched_text=matched_text,
        acting_user=acting_user,
    )
    if not created:
        return entry
    doing = effective_action(item, planned)
    if doing == RuleAction.QUEUE:
        return entry
    try:
        do_moderate(
            item, ModerationAction(doing.value), acting_user=acting_user, reason=reason, entry=entry
        )
    except ModerationFailed as exc:
        _note_action(entry, "", exc.message)
    else:
        _note_action(entry, doing.value, "")
    return entry


@lru_cache(maxsize=512)
def _matcher(kind: str, pattern: str) -> matching.Matcher:
    return matching.compile_rule(kind, pattern)


def matching_rule(
    item: InboxItem, rules: Iterable[ModerationRule]
) -> tuple[ModerationRule, str] | None:
    """The rule with the strongest action among those matching ``item``, and what matched."""
    best: tuple[int, ModerationRule, str] | None = None
    for rule in rules:
        if rule.kinds and item.kind not in rule.kinds:
            continue
        channel_ids = {channel.pk for channel in rule.channels.all()}
        if channel_ids and item.channel_id not in channel_ids:
            continue
        try:
            found = _matcher(rule.match_kind, rule.pattern).find(item.text)
        except matching.RuleError as exc:
            logger.warning("moderation rule %s cannot be used: %s", rule.pk, exc)
            continue
        if found is None:
            continue
        rank = SEVERITY[RuleAction(rule.action)]
        if best is None or rank > best[0]:
            best = (rank, rule, found)
    return (best[1], best[2]) if best is not None else None


def do_apply_rules(item: InboxItem) -> QueueEntry | None:
    """Run the organisation's active rules on a received message (once per message)."""
    if not item.is_inbound:
        return None
    if QueueEntry.objects.filter(item=item, reason__startswith="rule:").exists():
        return None
    rules = ModerationRule.objects.filter(
        organization_id=item.organization_id, is_active=True
    ).prefetch_related("channels")
    found = matching_rule(item, rules)
    if found is None:
        return None
    rule, matched = found
    return do_enqueue(
        item,
        reason=f"rule:{rule.pk}",
        reason_label=rule.name,
        action=rule.action,
        rule=rule,
        matched_text=matched,
    )


def _pending(entry: QueueEntry) -> QueueEntry:
    locked = QueueEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status != QueueStatus.PENDING:
        raise ActionError(_("Someone already decided on this message."))
    return locked


def _decide(
    entry: QueueEntry, status: QueueStatus, *, acting_user: User, note: str, after: dict[str, Any]
) -> QueueEntry:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ActionError(_("A note is at most %(n)d characters.") % {"n": MAX_NOTE})
    entry = _pending(entry)
    entry.status = status
    entry.decided_by = acting_user
    entry.decided_at = timezone.now()
    entry.decision_note = note
    entry.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    record_event(
        f"moderation_entry.{status.value}",
        actor=acting_user,
        organization=entry.organization,
        target=entry,
        before={"status": QueueStatus.PENDING.value},
        after={"status": status.value, "item": entry.item_id, "note": note, **after},
    )
    return entry


@transaction.atomic
def do_confirm(entry: QueueEntry, *, acting_user: User, note: str = "") -> QueueEntry:
    """The person agrees: the message stays as the reason left it (hidden, deleted or shown)."""
    return _decide(entry, QueueStatus.CONFIRMED, acting_user=acting_user, note=note, after={})


def do_restore(entry: QueueEntry, *, acting_user: User, note: str = "") -> QueueEntry:
    """The person disagrees: a hidden message is shown again on the network (if that fails,
    the entry stays to review). A deleted message cannot come back; the decision is kept."""
    with transaction.atomic():
        entry = _pending(entry)
    item = _item(entry.item)
    state = state_of(item)
    unhidden = False
    if state.hidden and not state.deleted:
        do_moderate(
            item,
            ModerationAction.UNHIDE,
            acting_user=acting_user,
            reason=f"restore:{entry.pk}",
            entry=entry,
        )
        unhidden = True
    with transaction.atomic():
        return _decide(
            entry,
            QueueStatus.RESTORED,
            acting_user=acting_user,
            note=note,
            after={"unhidden": unhidden, "was_deleted": state.deleted},
        )


# --- Rules -----------------------------------------------------------------------------------


def _clean_rule(org: Organization, data: dict[str, Any], pk: int | None) -> dict[str, Any]:
    name = str(data.get("name", "")).strip()[:120]
    if not name:
        raise ActionError(_("A rule needs a name."))
    clash = ModerationRule.objects.filter(organization=org, name=name)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if clash.exists():
        raise ActionError(_("A rule with this name already exists."))
    match_kind = str(data.get("match_kind") or MatchKind.WORDS)
    if match_kind not in MatchKind.values:
        raise ActionError(_("Choose words or a regular expression."))
    pattern = str(data.get("pattern", "")).strip()
    try:
        matching.compile_rule(match_kind, pattern)
    except matching.RuleError as exc:
        raise ActionError(_(exc.message) % exc.params if exc.params else _(exc.message)) from None
    action = str(data.get("action") or RuleAction.QUEUE)
    if action not in RuleAction.values:
        raise ActionError(_("Choose what the rule does."))
    kinds = sorted({str(kind) for kind in data.get("kinds") or []})
    if any(kind not in ItemKind.values for kind in kinds):
        raise ActionError(_("Unknown kind of message."))
    channels = list(data.get("channels") or [])
    if any(
        not isinstance(c, Channel) or c.organization_id != org.pk for c in channels
    ):  # forms limit the choice; an action never trusts it
        raise ActionError(_("A channel of another organisation cannot be used."))
    if action == RuleAction.DELETE:
        scope = channels or list(Channel.objects.filter(organization=org))
        if not any(ModerationAction.DELETE in supported(c.network) for c in scope):
            raise ActionError(
                _("None of these channels' networks lets Hygie delete a message: choose hide.")
            )
    return {
        "name": name,
        "match_kind": match_kind,
        "pattern": pattern,
        "action": action,
        "kinds": kinds,
        "channels": channels,
        "is_active": bool(data.get("is_active", True)),
    }


def _rule_summary(cleaned: dict[str, Any]) -> dict[str, Any]:
    return {**cleaned, "channels": sorted(c.pk for c in cleaned["channels"])}


def _rule_values(rule: ModerationRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "match_kind": rule.match_kind,
        "pattern": rule.pattern,
        "action": rule.action,
        "kinds": list(rule.kinds),
        "channels": sorted(rule.channels.values_list("pk", flat=True)),
        "is_active": rule.is_active,
    }


@transaction.atomic
def do_create_rule(org: Organization, *, data: dict[str, Any], acting_user: User) -> ModerationRule:
    cleaned = _clean_rule(org, data, None)
    channels = cleaned.pop("channels")
    rule = ModerationRule.objects.create(organization=org, created_by=acting_user, **cleaned)
    rule.channels.set(channels)
    record_event(
        "moderation_rule.created",
        actor=acting_user,
        organization=org,
        target=rule,
        after=_rule_summary({**cleaned, "channels": channels}),
    )
    return rule


@transaction.atomic
def do_update_rule(
    rule: ModerationRule, *, data: dict[str, Any], acting_user: User
) -> ModerationRule:
    rule = ModerationRule.objects.select_for_update().get(pk=rule.pk)
    cleaned = _clean_rule(rule.organization, data, rule.pk)
    before = _rule_values(rule)
    channels = cleaned.pop("channels")
    for field, value in cleaned.items():
        setattr(rule, field, value)
    rule.save()
    rule.channels.set(channels)
    record_event(
        "moderation_rule.updated",
        actor=acting_user,
        organization=rule.organization,
        target=rule,
        before=before,
        after=_rule_summary({**cleaned, "channels": channels}),
    )
    return rule


@transaction.atomic
def do_delete_rule(rule: ModerationRule, *, acting_user: User) -> None:
    """The rule goes; the entries it queued stay, with its name as their reason."""
    record_event(
        "moderation_rule.deleted",
        actor=acting_user,
        organization=rule.organization,
        target=rule,
        before=_rule_values(rule),
    )
    rule.delete()
