"""Ingestion: inbound messages into their conversation, and outbound ones into the thread."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from hygie.accounts.models import User
from hygie.audit.log import record_event
from hygie.channels.models import Channel
from hygie.inbox import sla
from hygie.inbox.actions.inbox_settings import policy_for
from hygie.inbox.models import (
    CONVERSATION_KIND_OF_ITEM,
    ITEM_KIND_OF_CONVERSATION,
    Author,
    Conversation,
    ConversationKind,
    ConversationStatus,
    Direction,
    InboxItem,
    ItemKind,
)
from hygie.moderation.tasks import after_ingest
from hygie.publishing.models import PostTarget

EXCERPT = 300


def _author_for(
    channel: Channel, *, external_id: str, name: str, handle: str
) -> tuple[Author, bool]:
    author, created = Author.objects.get_or_create(
        organization_id=channel.organization_id,
        network=channel.network,
        external_id=external_id[:255],
        defaults={"display_name": name[:255], "handle": handle[:255]},
    )
    latest = (name[:255], handle[:255] or author.handle)
    if not created and (author.display_name, author.handle) != latest:
        # People rename themselves: the record shows the latest name, each item keeps its own.
        author.display_name, author.handle = latest
        author.save(update_fields=["display_name", "handle", "updated_at"])
    return author, created


def thread_id_for(
    kind: ItemKind,
    *,
    external_id: str,
    author: Author,
    thread_external_id: str = "",
    parent_external_id: str = "",
) -> str:
    """The conversation a message belongs to, when the provider did not say.

    Comments go under the post they answer (the parent), direct messages with their author,
    reviews and mentions start their own thread.
    """
    if thread_external_id:
        return thread_external_id
    if kind == ItemKind.COMMENT:
        return parent_external_id or external_id
    if kind == ItemKind.DIRECT_MESSAGE:
        return author.external_id
    return external_id


def _conversation_for(
    channel: Channel,
    *,
    kind: ItemKind,
    thread_id: str,
    parent_external_id: str,
    thread_title: str,
    author: Author,
    received_at: datetime,
    explicit_thread: bool,
) -> tuple[Conversation, bool]:
    if parent_external_id and not explicit_thread:
        # A reply to a message we already have joins that message's conversation.
        parent = (
            InboxItem.objects.filter(channel=channel, external_id=parent_external_id)
            .only("conversation_id")
            .first()
        )
        if parent is not None:
            return Conversation.objects.select_for_update().get(pk=parent.conversation_id), False
    conversation_kind = CONVERSATION_KIND_OF_ITEM[kind]
    defaults: dict[str, Any] = {
        "organization_id": channel.organization_id,
        "author": author,
        "title": thread_title[:300],
        "last_message_at": received_at,
    }
    if conversation_kind == ConversationKind.COMMENT_THREAD:
        target = (
            PostTarget.objects.filter(channel=channel, external_id=thread_id)
            .select_related("post")
            .first()
        )
        if target is not None:
            defaults["parent_target"] = target
            defaults["title"] = defaults["title"] or target.post.text[:300]
    conversation, created = Conversation.objects.get_or_create(
        channel=channel, kind=conversation_kind, thread_external_id=thread_id, defaults=defaults
    )
    if not created:
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    return conversation, created


def _touch(conversation: Conversation, item: InboxItem, author_name: str) -> None:
    """Move the conversation's activity marks to include ``item``."""
    conversation.message_count += 1
    if item.received_at >= conversation.last_message_at or conversation.message_count == 1:
        conversation.last_message_at = item.received_at
        conversation.last_author_name = author_name[:255]
        conversation.last_excerpt = item.text[:EXCERPT]


@transaction.atomic
def do_ingest_item(
    channel: Channel,
    *,
    kind: str,
    external_id: str,
    author_name: str,
    text: str,
    received_at: datetime,
    author_handle: str = "",
    rating: int | None = None,
    permalink: str = "",
    author_external_id: str = "",
    thread_external_id: str = "",
    parent_external_id: str = "",
    thread_title: str = "",
    extra: Mapping[str, str] | None = None,
) -> tuple[InboxItem, bool]:
    """Store one inbound message in its conversation; a second delivery changes nothing.

    ``author_external_id`` is the network's id of the sender (the handle, then the name, stand
    in when a network gives none); ``thread_external_id`` the network's thread (a comment's
    post, a DM conversation); without it the thread is derived (see ``thread_id_for``).
    ``extra`` is what the network needs to answer the item (``InboundEvent.extra``).
    """
    item_kind = ItemKind(kind)
    existing = InboxItem.objects.filter(channel=channel, external_id=external_id).first()
    if existing is not None:
        return existing, False
    author, _author_created = _author_for(
        channel,
        external_id=author_external_id or author_handle or author_name,
        name=author_name,
        handle=author_handle,
    )
    thread_id = thread_id_for(
        item_kind,
        external_id=external_id,
        author=author,
        thread_external_id=thread_external_id,
        parent_external_id=parent_external_id,
    )
    conversation, conversation_created = _conversation_for(
        channel,
        kind=item_kind,
        thread_id=thread_id,
        parent_external_id=parent_external_id,
        thread_title=thread_title,
        author=author,
        received_at=received_at,
        explicit_thread=bool(thread_external_id),
    )
    item, created = InboxItem.objects.get_or_create(
        channel=channel,
        external_id=external_id,
        defaults={
            "organization_id": channel.organization_id,
            "conversation": conversation,
            "direction": Direction.INBOUND,
            "kind": item_kind,
            "author": author,
            "author_name": author_name,
            "author_handle": author_handle,
            "parent_external_id": parent_external_id,
            "text": text,
            "rating": rating,
            "permalink": permalink,
            "received_at": received_at,
            "extra": {str(k): str(v) for k, v in (extra or {}).items()},
        },
    )
    if not created:  # delivered twice at the same moment: the other delivery stored it
        return item, False
    policy = policy_for(channel.organization)
    fields = ["message_count", "last_message_at", "last_author_name", "last_excerpt"]
    _touch(conversation, item, author_name)
    if conversation.first_inbound_at is None or received_at < conversation.first_inbound_at:
        conversation.first_inbound_at = received_at
        if conversation.first_response_at is None:
            conversation.first_response_due_at = sla.first_response_due(received_at, policy)
        if conversation.resolution_due_at is None:
            conversation.resolution_due_at = sla.resolution_due(received_at, policy)
    if conversation.last_inbound_at is None or received_at > conversation.last_inbound_at:
        conversation.last_inbound_at = received_at
    fields += ["first_inbound_at", "first_response_due_at", "resolution_due_at", "last_inbound_at"]
    reopened = False
    if conversation.status == ConversationStatus.DONE and (
        conversation.resolved_at is None or received_at >= conversation.resolved_at
    ):
        # A new message after the conversation was closed: it needs handling again.
        reopened = True
        conversation.status = ConversationStatus.OPEN
        conversation.resolved_at = None
        conversation.resolution_due_at = sla.resolution_due(received_at, policy)
    elif conversation.status == ConversationStatus.WAITING:
        conversation.status = ConversationStatus.OPEN  # the person answered
    fields += ["status", "resolved_at", "updated_at"]
    conversation.save(update_fields=fields)
    record_event(
        "inbox_item.received",
        actor=None,
        actor_repr=f"{channel.network}",
        organization=channel.organization,
        target=item,
        after={
            "kind": item_kind.value,
            "external_id": external_id,
            "conversation": conversation.pk,
            "new_conversation": conversation_created,
        },
    )
    if reopened:
        record_event(
            "conversation.reopened",
            actor=None,
            actor_repr=f"{channel.network}",
            organization=channel.organization,
            target=conversation,
            before={"status": ConversationStatus.DONE.value},
            after={"status": conversation.status, "by_item": item.pk},
        )
    after_ingest(item)  # moderation rules, in the background once committed
    # Read it now, in this transaction: a possible adverse event opens its safety case (and
    # its snapshot) before any moderation can hide the message; the organisation's own rules
    # are queued before the abuse classifier, so a matching rule names the queue entry.
    from hygie.triage.actions import do_triage_item

    do_triage_item(item)
    return item, True


@transaction.atomic
def do_record_outbound(
    conversation: Conversation,
    *,
    text: str,
    sent_by: User | None,
    external_id: str,
    sent_at: datetime,
    parent_external_id: str = "",
    permalink: str = "",
) -> InboxItem:
    """Store a reply the organisation sent on the network (idempotent on its network id).

    The first one stops the first-response clock; the conversation then waits for the person
    (unless a member already closed it).
    """
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("channel")
        .get(pk=conversation.pk)
    )
    channel = conversation.channel
    item, created = InboxItem.objects.get_or_create(
        channel=channel,
        external_id=external_id,
        defaults={
            "organization_id": conversation.organization_id,
            "conversation": conversation,
            "direction": Direction.OUTBOUND,
            "kind": ITEM_KIND_OF_CONVERSATION[ConversationKind(conversation.kind)],
            "author_name": channel.name,
            "author_handle": channel.handle,
            "sent_by": sent_by,
            "parent_external_id": parent_external_id,
            "text": text,
            "permalink": permalink,
            "received_at": sent_at,
        },
    )
    if not created:
        return item
    before = {"status": conversation.status, "first_response_at": conversation.first_response_at}
    _touch(conversation, item, channel.name)
    if (
        conversation.first_response_at is None
        and conversation.first_inbound_at is not None
        and sent_at >= conversation.first_inbound_at
    ):
        conversation.first_response_at = sent_at
    if conversation.status != ConversationStatus.DONE:
        conversation.status = ConversationStatus.WAITING
    conversation.save(
        update_fields=[
            "message_count",
            "last_message_at",
            "last_author_name",
            "last_excerpt",
            "first_response_at",
            "status",
            "updated_at",
        ]
    )
    record_event(
        "conversation.replied",
        actor=sent_by,
        organization=conversation.organization,
        target=conversation,
        before=before,
        after={
            "status": conversation.status,
            "first_response_at": conversation.first_response_at,
            "item": item.pk,
            "external_id": external_id,
        },
    )
    return item
