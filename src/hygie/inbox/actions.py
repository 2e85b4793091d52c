"""Writes to the inbox: ingestion, conversations, notes, saved replies, authors, settings.

Each action is atomic and appends an audit event in the same transaction. Ingestion is
idempotent on the network's message id: a second delivery changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Membership, Organization, OrganizationKind, User
from hygie.audit.log import record_event
from hygie.channels.models import Channel, ChannelStatus, Network
from hygie.compliance import service as compliance
from hygie.compliance.checker import CheckResult
from hygie.contacts.models import Contact
from hygie.inbox import replies, sla
from hygie.inbox.models import (
    CONVERSATION_KIND_OF_ITEM,
    ITEM_KIND_OF_CONVERSATION,
    Author,
    Conversation,
    ConversationKind,
    ConversationStatus,
    Direction,
    InboxItem,
    InboxSettings,
    InternalNote,
    ItemKind,
    OutboundReply,
    Person,
    ReplyAttempt,
    ReplyStatus,
    SavedReply,
)
from hygie.moderation.tasks import after_ingest
from hygie.providers.base import Provider
from hygie.providers.registry import provider_class
from hygie.providers.text import measure, utf8_len
from hygie.providers.whatsapp import replies as whatsapp_replies
from hygie.publishing.models import ACTIVE_ATTEMPT_STATUSES, AttemptStatus, PostTarget

EXCERPT = 300
MAX_NOTE = 5000
SETTINGS_FIELDS = (
    "first_response_hours",
    "resolution_hours",
    "opens_at",
    "closes_at",
    "open_saturday",
    "whatsapp_template",
    "whatsapp_template_language",
    "whatsapp_template_text",
)


def settings_for(org: Organization) -> InboxSettings:
    """The organisation's settings, or the defaults (not saved) until someone changes them."""
    stored = InboxSettings.objects.filter(organization=org).first()
    if stored is not None:
        return stored
    return InboxSettings(organization=org, open_saturday=org.kind == OrganizationKind.PHARMACY)


def policy_for(org: Organization) -> sla.Policy:
    return settings_for(org).policy(org.timezone)


def _who(user: User | None) -> str | None:
    return user.email if user is not None else None


# --- Ingestion -------------------------------------------------------------------------------


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


# --- Handling a conversation -----------------------------------------------------------------


@transaction.atomic
def do_set_conversation_status(
    conversation: Conversation, *, status: str, acting_user: User
) -> Conversation:
    new = ConversationStatus(status)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    before = {"status": conversation.status}
    if new == conversation.status:
        return conversation
    now = timezone.now()
    if new == ConversationStatus.DONE:
        conversation.resolved_at = now
    elif conversation.status == ConversationStatus.DONE:
        # Reopened by hand: the resolution clock starts again.
        conversation.resolved_at = None
        policy = policy_for(conversation.organization)
        conversation.resolution_due_at = sla.resolution_due(now, policy)
    conversation.status = new
    conversation.save(update_fields=["status", "resolved_at", "resolution_due_at", "updated_at"])
    record_event(
        "conversation.status_changed",
        actor=acting_user,
        organization=conversation.organization,
        target=conversation,
        before=before,
        after={"status": new.value},
    )
    return conversation


@transaction.atomic
def do_assign_conversation(
    conversation: Conversation, *, assignee: User | None, acting_user: User
) -> Conversation:
    if (
        assignee is not None
        and not Membership.objects.filter(
            organization_id=conversation.organization_id, user=assignee, is_active=True
        ).exists()
    ):
        raise ActionError(_("Only a member of the organisation can be assigned."))
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    before = {"assigned_to": _who(conversation.assigned_to), "status": conversation.status}
    conversation.assigned_to = assignee
    if assignee is not None and conversation.status == ConversationStatus.NEW:
        conversation.status = ConversationStatus.OPEN
    conversation.save(update_fields=["assigned_to", "status", "updated_at"])
    record_event(
        "conversation.assigned",
        actor=acting_user,
        organization=conversation.organization,
        target=conversation,
        before=before,
        after={"assigned_to": _who(assignee), "status": conversation.status},
    )
    return conversation


@transaction.atomic
def do_add_note(conversation: Conversation, *, text: str, acting_user: User) -> InternalNote:
    text = text.strip()
    if not text:
        raise ActionError(_("The note is empty."))
    if len(text) > MAX_NOTE:
        raise ActionError(_("A note is at most %(n)d characters.") % {"n": MAX_NOTE})
    note = InternalNote.objects.create(
        organization_id=conversation.organization_id,
        conversation=conversation,
        author=acting_user,
        text=text,
    )
    record_event(
        "conversation.note_added",
        actor=acting_user,
        organization=conversation.organization,
        target=conversation,
        after={"note": note.pk, "text": text},
    )
    return note


# --- Saved replies ---------------------------------------------------------------------------


def _clean_saved_reply(org: Organization, data: dict[str, Any], pk: int | None) -> dict[str, str]:
    title = str(data.get("title", "")).strip()
    body = str(data.get("body", "")).strip()
    if not title or not body:
        raise ActionError(_("A saved reply needs a title and a text."))
    try:
        replies.check_body(body)
    except replies.UnknownVariableError as error:
        raise ActionError(str(error)) from None
    clash = SavedReply.objects.filter(organization=org, title=title)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if clash.exists():
        raise ActionError(_("A saved reply with this title already exists."))
    return {"title": title[:120], "body": body}


@transaction.atomic
def do_create_saved_reply(
    org: Organization, *, data: dict[str, Any], acting_user: User
) -> SavedReply:
    cleaned = _clean_saved_reply(org, data, None)
    reply = SavedReply.objects.create(organization=org, **cleaned)
    record_event(
        "saved_reply.created", actor=acting_user, organization=org, target=reply, after=cleaned
    )
    return reply


@transaction.atomic
def do_update_saved_reply(
    reply: SavedReply, *, data: dict[str, Any], acting_user: User
) -> SavedReply:
    cleaned = _clean_saved_reply(reply.organization, data, reply.pk)
    before = {"title": reply.title, "body": reply.body}
    reply.title, reply.body = cleaned["title"], cleaned["body"]
    reply.save(update_fields=["title", "body", "updated_at"])
    record_event(
        "saved_reply.updated",
        actor=acting_user,
        organization=reply.organization,
        target=reply,
        before=before,
        after=cleaned,
    )
    return reply


@transaction.atomic
def do_delete_saved_reply(reply: SavedReply, *, acting_user: User) -> None:
    record_event(
        "saved_reply.deleted",
        actor=acting_user,
        organization=reply.organization,
        target=reply,
        before={"title": reply.title, "body": reply.body},
    )
    reply.delete()


def reply_values(conversation: Conversation, *, member: User) -> dict[str, str]:
    """The values of the saved-reply variables for an answer to ``conversation``."""
    last = (
        conversation.items.filter(direction=Direction.INBOUND)
        .order_by("-received_at", "-id")
        .only("author_name")
        .first()
    )
    author_name = last.author_name if last is not None else conversation.last_author_name
    return {
        "author_name": author_name,
        "first_name": replies.first_name(author_name),
        "organization": conversation.organization.name,
        "member_name": member.get_full_name() or member.get_short_name(),
    }


def render_saved_reply(reply: SavedReply, conversation: Conversation, *, member: User) -> str:
    """The reply's text for this conversation; ``UnknownVariableError`` if it uses a bad one."""
    return replies.render(reply.body, reply_values(conversation, member=member))


# --- Authors and people ----------------------------------------------------------------------


@transaction.atomic
def do_merge_authors(author: Author, other: Author, *, acting_user: User) -> Person:
    """Say that ``author`` and ``other`` are the same person (their people merge, too)."""
    if author.organization_id != other.organization_id:
        raise ActionError(_("These authors belong to different organisations."))
    if author.pk == other.pk:
        raise ActionError(_("An author cannot be merged with itself."))
    # Decide on the stored rows (locked), not on what the caller read earlier.
    locked = Author.objects.select_for_update(of=("self",)).select_related("person")
    author, other = locked.get(pk=author.pk), locked.get(pk=other.pk)
    if author.person_id is not None and author.person_id == other.person_id:
        raise ActionError(_("These authors are already the same person."))
    person = author.person or other.person
    absorbed: Person | None = None
    if person is None:
        person = Person.objects.create(
            organization_id=author.organization_id, name=author.display_name
        )
    elif author.person is not None and other.person is not None:
        absorbed = other.person
        Author.objects.filter(person=absorbed).update(person=person)
        if absorbed.notes:
            person.notes = "\n\n".join(n for n in (person.notes, absorbed.notes) if n)
            person.save(update_fields=["notes", "updated_at"])
    Author.objects.filter(pk__in=[author.pk, other.pk]).update(person=person)
    author.person = other.person = person
    members = sorted(Author.objects.filter(person=person).values_list("pk", flat=True))
    record_event(
        "person.merged",
        actor=acting_user,
        organization=author.organization,
        target=person,
        after={
            "authors": members,
            "merged": [author.pk, other.pk],
            "absorbed_person": absorbed.pk if absorbed is not None else None,
        },
    )
    if absorbed is not None:
        absorbed.delete()
    return person


@transaction.atomic
def do_unmerge_author(author: Author, *, acting_user: User) -> Author:
    """This author is not that person after all; a person left without authors goes away."""
    author = (
        Author.objects.select_for_update(of=("self",)).select_related("person").get(pk=author.pk)
    )
    person = author.person
    if person is None:
        raise ActionError(_("This author is not merged with anyone."))
    author.person = None
    author.save(update_fields=["person", "updated_at"])
    remaining = list(Author.objects.filter(person=person).values_list("pk", flat=True))
    record_event(
        "person.unmerged",
        actor=acting_user,
        organization=author.organization,
        target=person,
        before={"author": author.pk},
        after={"authors": remaining, "person_removed": not remaining},
    )
    if not remaining:
        person.delete()
    return author


@transaction.atomic
def do_link_author_contact(author: Author, *, contact: Contact | None, acting_user: User) -> Author:
    """Link the author to a contact of the register (or unlink it)."""
    if contact is not None and contact.organization_id != author.organization_id:
        raise ActionError(_("This contact belongs to another organisation."))
    before = {"contact": author.contact_id}
    author.contact = contact
    author.save(update_fields=["contact", "updated_at"])
    record_event(
        "author.contact_linked",
        actor=acting_user,
        organization=author.organization,
        target=author,
        before=before,
        after={"contact": contact.pk if contact is not None else None},
    )
    return author


# --- Settings --------------------------------------------------------------------------------


@transaction.atomic
def do_save_inbox_settings(
    org: Organization, *, data: dict[str, Any], acting_user: User
) -> InboxSettings:
    current = settings_for(org)
    before = {f: getattr(current, f) for f in SETTINGS_FIELDS} if current.pk else None
    values = {f: data[f] for f in SETTINGS_FIELDS if f in data}
    if not 1 <= int(values.get("first_response_hours", current.first_response_hours)) <= 720:
        raise ActionError(_("The first response time must be between 1 and 720 hours."))
    if not 1 <= int(values.get("resolution_hours", current.resolution_hours)) <= 8760:
        raise ActionError(_("The resolution time must be between 1 and 8760 hours."))
    if values.get("closes_at", current.closes_at) <= values.get("opens_at", current.opens_at):
        raise ActionError(_("Closing time must be after opening time."))
    if "whatsapp_template" in values:
        values["whatsapp_template"] = str(values["whatsapp_template"] or "").strip()
    language = str(values.get("whatsapp_template_language", current.whatsapp_template_language))
    values["whatsapp_template_language"] = language = language.strip() or "fr"
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", language):
        raise ActionError(_("The template language is a code such as fr or fr_FR."))
    stored, _created = InboxSettings.objects.update_or_create(
        organization=org,
        defaults={f: values.get(f, getattr(current, f)) for f in SETTINGS_FIELDS},
    )
    record_event(
        "inbox_settings.updated",
        actor=acting_user,
        organization=org,
        target=stored,
        before=before,
        after={f: getattr(stored, f) for f in SETTINGS_FIELDS},
    )
    return stored


# --- Sending replies (exactly once: see outbox.py) --------------------------------------------

COLLISION_WINDOW = timedelta(minutes=2)
MAX_REPLY = 10_000


class ReplyRefused(ActionError):
    """The reply is not sent; ``needs`` says what the member can do about it: ``""`` (change
    the text), ``"acknowledge"`` (tick "I have checked the findings") or ``"confirm"`` (another
    member answered a moment ago: send anyway)."""

    def __init__(self, message: str, *, needs: str = "", rules: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.needs = needs
        self.rules = rules


def reply_check(item: InboxItem, text: str, network: str) -> CheckResult:
    """The compliance check of an answer to ``item``: a review reply or a reply, public or
    private, with the item as the parent, on the channel's network."""
    kind = "review_reply" if item.kind == ItemKind.REVIEW else "reply"
    private = item.kind == ItemKind.DIRECT_MESSAGE
    results = compliance.check_text(
        item.organization,
        text,
        kind=kind,
        networks=[network],
        parent_text=item.text,
        parent_author=item.author_name,
        visibility="private" if private else "public",
    )
    return compliance.merge(results.values())


def reply_refusal(channel: Channel, item: InboxItem) -> str:
    """Why Hygie cannot answer ``item`` on ``channel`` ("" when it can)."""
    try:
        cls = provider_class(channel.network)
    except LookupError:
        return _("Hygie cannot answer on %(network)s.") % {"network": channel.network}
    if cls.reply is Provider.reply or (cls.replies_to and item.kind not in cls.replies_to):
        return _("Hygie cannot answer a %(kind)s on %(network)s.") % {
            "kind": item.get_kind_display().lower(),
            "network": cls.label,
        }
    if channel.status != ChannelStatus.ACTIVE:
        return _("The channel %(channel)s is %(status)s.") % {
            "channel": channel,
            "status": channel.get_status_display().lower(),
        }
    return ""


def whatsapp_window_closed(conversation: Conversation, now: datetime | None = None) -> bool:
    """More than 24 hours since the person last wrote: WhatsApp only takes a template."""
    return conversation.channel.network == Network.WHATSAPP and not whatsapp_replies.window_open(
        conversation.last_inbound_at, now
    )


def _check_length(channel: Channel, text: str) -> None:
    cls = provider_class(channel.network)
    rule = cls.reply_length or cls.limits.length
    length = measure(text, rule)
    if length > rule.max_length or (rule.max_bytes and utf8_len(text) > rule.max_bytes):
        raise ReplyRefused(
            _("%(n)d characters: a reply on %(network)s is at most %(max)d.")
            % {"n": length, "network": cls.label, "max": rule.max_length}
        )


def _check_collision(
    conversation: Conversation, acting_user: User, text: str, item: InboxItem, now: datetime
) -> list[str]:
    """The members other than ``acting_user`` who answered in the last two minutes; refuses
    outright the same reply sent twice by the same member (a double click)."""
    recent = OutboundReply.objects.filter(
        conversation=conversation, created_at__gte=now - COLLISION_WINDOW
    ).exclude(status=ReplyStatus.FAILED)
    if recent.filter(sent_by=acting_user, in_reply_to=item, text=text).exists():
        raise ReplyRefused(_("This reply is already being sent."))
    names = {
        reply.sent_by.get_full_name() or reply.sent_by.email
        for reply in recent.exclude(sent_by=acting_user).select_related("sent_by")
        if reply.sent_by is not None
    }
    names |= {
        sent.sent_by.get_full_name() or sent.sent_by.email
        for sent in conversation.items.filter(
            direction=Direction.OUTBOUND, received_at__gte=now - COLLISION_WINDOW
        )
        .exclude(sent_by=acting_user)
        .exclude(sent_by=None)
        .select_related("sent_by")
        if sent.sent_by is not None
    }
    return sorted(names)


@transaction.atomic
def do_send_reply(
    conversation: Conversation,
    *,
    text: str,
    in_reply_to: InboxItem,
    acting_user: User,
    acknowledged_findings: bool,
    confirm_collision: bool = False,
) -> OutboundReply:
    """Decide to answer ``in_reply_to`` with ``text``: checked, then written with its first
    attempt before any network call (the caller queues ``send_reply_attempt`` on commit).

    Refused (``ReplyRefused``) when the network cannot take it, when the compliance check
    blocks it (the message names the rules), when the check needs the member to confirm they
    read the findings and they did not, or when another member answered in the last two
    minutes and the member did not confirm.
    """
    text = text.strip()
    if not text:
        raise ReplyRefused(_("The reply is empty."))
    if len(text) > MAX_REPLY:
        raise ReplyRefused(_("A reply is at most %(n)d characters.") % {"n": MAX_REPLY})
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("channel", "organization")
        .get(pk=conversation.pk)
    )
    item = InboxItem.objects.select_related("organization").get(pk=in_reply_to.pk)
    if item.conversation_id != conversation.pk or item.direction != Direction.INBOUND:
        raise ReplyRefused(_("Only a message received in this conversation can be answered."))
    channel = conversation.channel
    refusal = reply_refusal(channel, item)
    if refusal:
        raise ReplyRefused(refusal)
    _check_length(channel, text)
    now = timezone.now()
    if (
        whatsapp_window_closed(conversation, now)
        and not settings_for(conversation.organization).whatsapp_template
    ):
        raise ReplyRefused(
            _(
                "More than 24 hours have passed since this person last wrote: WhatsApp only "
                "delivers a template now, and none is chosen in the inbox settings."
            )
        )
    check = reply_check(item, text, channel.network)
    rules = tuple(dict.fromkeys(f.rule for f in check.findings))
    if check.blocked:
        blocking = [f for f in check.findings if f.severity == "block"]
        raise ReplyRefused(
            _("This reply is blocked: %(rules)s. Change the text.")
            % {"rules": "; ".join(f"{f.rule} ({f.title})" for f in blocking)},
            rules=tuple(f.rule for f in blocking),
        )
    if check.needs_approval and not acknowledged_findings:
        raise ReplyRefused(
            _("Read the findings (%(rules)s), then tick “I have checked the findings”.")
            % {"rules": ", ".join(f.rule for f in check.findings if f.severity != "warn")},
            needs="acknowledge",
            rules=rules,
        )
    others = _check_collision(conversation, acting_user, text, item, now)
    if others and not confirm_collision:
        raise ReplyRefused(
            _("%(names)s answered this conversation less than two minutes ago. Send anyway?")
            % {"names": ", ".join(others)},
            needs="confirm",
        )
    reply = OutboundReply.objects.create(
        organization=conversation.organization,
        conversation=conversation,
        channel=channel,
        in_reply_to=item,
        text=text,
        sent_by=acting_user,
        acknowledged_findings=acknowledged_findings and check.needs_approval,
    )
    attempt = ReplyAttempt.objects.create(reply=reply, next_try_at=now)
    record_event(
        "outbound_reply.requested",
        actor=acting_user,
        organization=conversation.organization,
        target=conversation,
        after={
            "reply": reply.pk,
            "attempt": attempt.pk,
            "in_reply_to": item.pk,
            "network": channel.network,
            "text": text,
            "check": {
                "max_severity": check.max_severity,
                "rules": list(rules),
                "catalog_version": check.catalog_version,
            },
            "acknowledged_findings": reply.acknowledged_findings,
            "collision_confirmed": bool(others),
            "whatsapp_template": whatsapp_window_closed(conversation, now),
        },
    )
    return reply


def first_attempt(reply: OutboundReply) -> ReplyAttempt:
    """The reply's active attempt (the one to queue)."""
    return reply.attempts.filter(status__in=ACTIVE_ATTEMPT_STATUSES).order_by("-pk").get()


@transaction.atomic
def do_record_reply_sent(
    reply: OutboundReply,
    *,
    external_id: str,
    url: str,
    sent_text: str = "",
    acting_user: User | None,
    attempt: int | None = None,
) -> OutboundReply:
    """The network has the reply: it joins the thread as an outbound message (which stops the
    first-response clock) and the reply is sent. Called by the outbox, or by a member who
    checked the network after an unconfirmed outcome."""
    reply = (
        OutboundReply.objects.select_for_update().select_related("conversation").get(pk=reply.pk)
    )
    if reply.status == ReplyStatus.SENT:
        return reply
    now = timezone.now()
    item = do_record_outbound(
        reply.conversation,
        text=sent_text or reply.text,
        sent_by=reply.sent_by,
        external_id=(external_id or f"hygie-reply-{reply.pk}")[:255],
        sent_at=now,
        parent_external_id=reply.in_reply_to.external_id,
        permalink=url if len(url) <= 200 else "",
    )
    reply.status = ReplyStatus.SENT
    reply.item = item
    reply.external_id = external_id[:500]
    reply.external_url = url[:500]
    reply.sent_at = now
    reply.last_error = ""
    reply.save(
        update_fields=[
            "status",
            "item",
            "external_id",
            "external_url",
            "sent_at",
            "last_error",
            "updated_at",
        ]
    )
    record_event(
        "outbound_reply.sent",
        actor=acting_user,
        actor_repr=None if acting_user is not None else "reply outbox",
        organization=reply.organization,
        target=reply.conversation,
        after={
            "reply": reply.pk,
            "attempt": attempt,
            "item": item.pk,
            "external_id": external_id,
            "url": url,
            "confirmed_by_member": acting_user is not None,
        },
    )
    return reply


@transaction.atomic
def do_retry_reply(reply: OutboundReply, *, acting_user: User) -> ReplyAttempt:
    """A member asks to send again a reply that failed or is unconfirmed.

    The new attempt has a new idempotency key: for an unconfirmed reply, the member checked the
    network and decided that the first try did not reach it.
    """
    reply = OutboundReply.objects.select_for_update().get(pk=reply.pk)
    if reply.status not in (ReplyStatus.FAILED, ReplyStatus.UNCONFIRMED):
        raise ActionError(_("Only a failed or unconfirmed reply can be sent again."))
    now = timezone.now()
    reply.attempts.filter(status=AttemptStatus.UNCONFIRMED).update(
        status=AttemptStatus.ABANDONED, finished_at=now
    )
    attempt = ReplyAttempt.objects.create(reply=reply, next_try_at=now)
    before = {"status": reply.status}
    reply.status = ReplyStatus.SENDING
    reply.last_error = ""
    reply.save(update_fields=["status", "last_error", "updated_at"])
    record_event(
        "outbound_reply.retried",
        actor=acting_user,
        organization=reply.organization,
        target=reply.conversation,
        before=before,
        after={"reply": reply.pk, "attempt": attempt.pk},
    )
    return attempt


@transaction.atomic
def do_confirm_reply_sent(reply: OutboundReply, *, url: str, acting_user: User) -> OutboundReply:
    """A member checked the network: the unconfirmed reply is there (at ``url``, if it has an
    address)."""
    reply = OutboundReply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != ReplyStatus.UNCONFIRMED:
        raise ActionError(_("Only an unconfirmed reply can be marked as sent."))
    reply.attempts.filter(status=AttemptStatus.UNCONFIRMED).update(
        status=AttemptStatus.PUBLISHED, finished_at=timezone.now(), external_url=url[:500]
    )
    return do_record_reply_sent(reply, external_id=url, url=url, acting_user=acting_user)
