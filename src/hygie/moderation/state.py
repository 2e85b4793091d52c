"""What the network shows of a message, as Hygie left it, and what may still be done to it.

Read from the moderation log (the actions that succeeded, in order), not stored twice: a message
is hidden when its last successful hide is not followed by an unhide, deleted once a delete
succeeded, and its author blocked once a block of that author succeeded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hygie.channels.models import Channel
from hygie.inbox.models import InboxItem, ItemKind
from hygie.moderation.models import ModerationLog, Outcome, QueueEntry, QueueStatus
from hygie.providers.inbound import ModerationAction
from hygie.providers.registry import UnknownProvider, provider_class

# Hiding, showing again and deleting apply to comments under the organisation's posts; a
# direct message, a mention in someone else's post or a review cannot be hidden by the page.
ON_COMMENTS = (ModerationAction.HIDE, ModerationAction.UNHIDE, ModerationAction.DELETE)


def supported(network: str) -> frozenset[ModerationAction]:
    """The actions the network's provider declares (none for a network without a provider)."""
    try:
        return provider_class(network).moderation
    except UnknownProvider:
        return frozenset()


@dataclass(frozen=True)
class ItemModeration:
    item_id: int
    network: str = ""
    hidden: bool = False
    deleted: bool = False
    author_blocked: bool = False
    pending_entry_id: int | None = None
    # An action whose outcome is unknown (the worker stopped during the call).
    unsettled: bool = False
    actions: tuple[ModerationAction, ...] = ()


def offered(
    item: InboxItem, network: str, *, hidden: bool, deleted: bool, author_blocked: bool
) -> tuple[ModerationAction, ...]:
    """The actions to offer on ``item``: those its network supports and that make sense now."""
    if not item.is_inbound:
        return ()
    can = supported(network)
    found: list[ModerationAction] = []
    if item.kind == ItemKind.COMMENT and not deleted:
        if ModerationAction.HIDE in can and not hidden:
            found.append(ModerationAction.HIDE)
        if ModerationAction.UNHIDE in can and hidden:
            found.append(ModerationAction.UNHIDE)
        if ModerationAction.DELETE in can:
            found.append(ModerationAction.DELETE)
    if ModerationAction.BLOCK in can and item.author_id is not None and not author_blocked:
        found.append(ModerationAction.BLOCK)
    return tuple(found)


def states_for(items: Iterable[InboxItem]) -> dict[int, ItemModeration]:
    """The state of each item, in four queries whatever their number."""
    items = list(items)
    if not items:
        return {}
    ids = [item.pk for item in items]
    networks = dict(
        Channel.objects.filter(pk__in={item.channel_id for item in items}).values_list(
            "pk", "network"
        )
    )
    hidden: dict[int, bool] = {}
    deleted: set[int] = set()
    unsettled: set[int] = set()
    logs = (
        ModerationLog.objects.filter(item_id__in=ids)
        .exclude(outcome=Outcome.FAILED)
        .order_by("id")
        .values_list("item_id", "action", "outcome")
    )
    for item_id, action, outcome in logs:
        if outcome == Outcome.SENDING:
            unsettled.add(item_id)
        elif action == ModerationAction.HIDE:
            hidden[item_id] = True
        elif action == ModerationAction.UNHIDE:
            hidden[item_id] = False
        elif action == ModerationAction.DELETE:
            deleted.add(item_id)
    author_ids = {item.author_id for item in items if item.author_id is not None}
    blocked = set(
        ModerationLog.objects.filter(
            author_ref__in=author_ids, action=ModerationAction.BLOCK, outcome=Outcome.DONE
        ).values_list("author_ref", flat=True)
    )
    pending = dict(
        QueueEntry.objects.filter(item_id__in=ids, status=QueueStatus.PENDING).values_list(
            "item_id", "pk"
        )
    )
    states = {}
    for item in items:
        network = networks.get(item.channel_id, "")
        is_hidden = hidden.get(item.pk, False)
        is_deleted = item.pk in deleted
        is_blocked = item.author_id in blocked
        states[item.pk] = ItemModeration(
            item_id=item.pk,
            network=network,
            hidden=is_hidden,
            deleted=is_deleted,
            author_blocked=is_blocked,
            pending_entry_id=pending.get(item.pk),
            unsettled=item.pk in unsettled,
            actions=offered(
                item,
                network,
                hidden=is_hidden,
                deleted=is_deleted,
                author_blocked=is_blocked,
            ),
        )
    return states


def state_of(item: InboxItem) -> ItemModeration:
    return states_for([item])[item.pk]
