"""Conversations with the public: comments, mentions, direct messages and reviews.

Every message received from (or sent to) a network is an ``InboxItem``; items are grouped into
``Conversation`` rows (a comment thread under one post, the direct messages with one person, one
review and its answers). Each item's sender is an ``Author`` (one per network account); a member
may say that several authors are one ``Person``. The inbox lists conversations, newest activity
first, through keyset pagination on ``(organization, last_message_at, id)``: the list never
counts or sorts the whole table, whatever its size.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hygie.channels.models import Network
from hygie.core.models import OrgScopedModel
from hygie.inbox import sla
from hygie.publishing.models import ACTIVE_ATTEMPT_STATUSES, OutboxAttempt


class ItemKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    MENTION = "mention", _("Mention")
    DIRECT_MESSAGE = "direct_message", _("Direct message")
    REVIEW = "review", _("Review")


class ConversationStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Done")


# The statuses used to live on each item; the name stays for code written against it.
ItemStatus = ConversationStatus


class ConversationKind(models.TextChoices):
    COMMENT_THREAD = "comment_thread", _("Comment thread")
    DIRECT = "direct", _("Direct conversation")
    REVIEW = "review", _("Review")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Received")
    OUTBOUND = "outbound", _("Sent")


CONVERSATION_KIND_OF_ITEM = {
    ItemKind.COMMENT: ConversationKind.COMMENT_THREAD,
    ItemKind.MENTION: ConversationKind.COMMENT_THREAD,
    ItemKind.DIRECT_MESSAGE: ConversationKind.DIRECT,
    ItemKind.REVIEW: ConversationKind.REVIEW,
}
ITEM_KIND_OF_CONVERSATION = {
    ConversationKind.COMMENT_THREAD: ItemKind.COMMENT,
    ConversationKind.DIRECT: ItemKind.DIRECT_MESSAGE,
    ConversationKind.REVIEW: ItemKind.REVIEW,
}


class Person(OrgScopedModel):
    """Several authors (accounts on different networks) that a member knows are one person."""

    name = models.CharField(_("name"), max_length=255)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Author(OrgScopedModel):
    """One account on one network that wrote to the organisation (the contact record)."""

    network = models.CharField(_("network"), max_length=32, choices=Network.choices)
    external_id = models.CharField(_("network id"), max_length=255)
    display_name = models.CharField(_("name"), max_length=255)
    handle = models.CharField(_("handle"), max_length=255, blank=True)
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authors",
        verbose_name=_("person"),
    )
    # Optional link to the register of opinion leaders, associations and press.
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "network", "external_id"], name="one_author_per_account"
            )
        ]

    def __str__(self) -> str:
        return self.display_name


class Conversation(OrgScopedModel):
    """A thread: what the inbox lists, what a member assigns, answers and closes.

    The last message's author and excerpt are copied here so the list reads one table.
    """

    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="conversations"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ConversationKind.choices)
    # The network's thread: the post commented on, the DM conversation or partner, the review.
    thread_external_id = models.CharField(_("thread network id"), max_length=500)
    title = models.CharField(_("title"), max_length=300, blank=True)
    parent_target = models.ForeignKey(
        "publishing.PostTarget",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("our post"),
    )
    author = models.ForeignKey(
        Author,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("started by"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ConversationStatus.choices,
        default=ConversationStatus.NEW,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    last_message_at = models.DateTimeField(_("last message"))
    first_inbound_at = models.DateTimeField(_("first message received"), null=True, blank=True)
    last_inbound_at = models.DateTimeField(_("last message received"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    last_author_name = models.CharField(_("last author"), max_length=255, blank=True)
    last_excerpt = models.CharField(_("last message"), max_length=300, blank=True)
    message_count = models.PositiveIntegerField(_("messages"), default=0)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "kind", "thread_external_id"], name="one_conversation_per_thread"
            )
        ]
        indexes = [
            # The list: newest activity first, keyset on (last_message_at, id).
            models.Index(
                fields=["organization", "-last_message_at", "-id"], name="conv_org_activity"
            ),
            # The default view ("to handle"): the same, without the (many) done conversations.
            models.Index(
                fields=["organization", "-last_message_at", "-id"],
                name="conv_org_todo_activity",
                condition=~Q(status="done"),
            ),
            models.Index(
                fields=["organization", "status", "-last_message_at", "-id"],
                name="conv_org_status_activity",
            ),
            models.Index(
                fields=["organization", "assigned_to", "-last_message_at", "-id"],
                name="conv_org_assignee_activity",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.last_author_name or f"#{self.pk}"

    @property
    def first_response_breached(self) -> bool:
        # The clock stops at the first answer, or when the conversation is closed unanswered.
        stopped = self.first_response_at or self.resolved_at
        return sla.breached(self.first_response_due_at, stopped, timezone.now())

    @property
    def resolution_breached(self) -> bool:
        return sla.breached(self.resolution_due_at, self.resolved_at, timezone.now())

    @property
    def sla_breached(self) -> bool:
        return self.first_response_breached or self.resolution_breached

    @property
    def awaiting_first_response(self) -> bool:
        return self.first_response_at is None and self.resolved_at is None

    @property
    def first_response_delay(self) -> float | None:
        """Hours from the first message to the first answer (calendar time)."""
        if self.first_response_at is None or self.first_inbound_at is None:
            return None
        return (self.first_response_at - self.first_inbound_at).total_seconds() / 3600


class InboxItem(OrgScopedModel):
    """One message, as received from (or sent to) the network; its id makes storing idempotent."""

    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="inbox_items"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="items", verbose_name=_("conversation")
    )
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.INBOUND
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    external_id = models.CharField(_("network id"), max_length=255)
    # The message this one answers on the network (a comment's parent comment or post).
    parent_external_id = models.CharField(_("in reply to"), max_length=500, blank=True)
    author = models.ForeignKey(
        Author,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("author"),
    )
    # As received: the name stays even if the author record is merged or renamed.
    author_name = models.CharField(_("author"), max_length=255)
    author_handle = models.CharField(_("author handle"), max_length=255, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    text = models.TextField(_("text"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    permalink = models.URLField(_("link"), blank=True)
    received_at = models.DateTimeField(_("received"))
    # What the network needs to answer this item, as the provider gave it (InboundEvent.extra):
    # a Bluesky record's cid and its thread root, a Matrix room… Plain strings, never secrets.
    extra = models.JSONField(_("network details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="one_item_per_network_id"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "received_at", "id"], name="inbox_item_thread"),
            models.Index(fields=["organization", "-received_at"], name="inbox_item_org_received"),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:50]}"

    @property
    def is_inbound(self) -> bool:
        return self.direction == Direction.INBOUND


class ReplyStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")


class OutboundReply(OrgScopedModel):
    """A member's answer to one inbox item, decided once and sent exactly once.

    Written (with its first ``ReplyAttempt``) before any network call, after the compliance
    check; once the network has it, ``item`` is the outbound message stored in the thread.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, related_name="outbound_replies"
    )
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="+")
    in_reply_to = models.ForeignKey(
        InboxItem, on_delete=models.PROTECT, related_name="replies", verbose_name=_("in reply to")
    )
    text = models.TextField(_("text"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReplyStatus.choices, default=ReplyStatus.SENDING
    )
    # The member ticked "I have checked the findings" (needed when the check asked for it).
    acknowledged_findings = models.BooleanField(default=False)
    item = models.ForeignKey(
        InboxItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    external_id = models.CharField(_("network id"), max_length=500, blank=True)
    external_url = models.URLField(_("link"), max_length=500, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="inbox_reply_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.text[:50]} ({self.status})"


class ReplyAttempt(OutboxAttempt):
    """One try of sending a reply, written before the network call (the outbox row).

    Its key is the idempotency key of every try of this attempt; a new attempt (a new key)
    exists only when a person asks to send again after a failure or an unconfirmed outcome.
    The attempt the network took ends as ``published`` (the outbox's word for done).
    """

    reply = models.ForeignKey(OutboundReply, on_delete=models.CASCADE, related_name="attempts")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reply"],
                condition=models.Q(status__in=ACTIVE_ATTEMPT_STATUSES),
                name="one_active_attempt_per_reply",
            )
        ]
        indexes = [models.Index(fields=["status", "next_try_at"], name="reply_attempt_due")]

    @property
    def idempotency_key(self) -> str:
        return f"hygie-reply-{self.pk}"


class InternalNote(OrgScopedModel):
    """A note between members about a conversation. Never sent to the network."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    text = models.TextField(_("note"))

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="inbox_note_thread")]

    def __str__(self) -> str:
        return self.text[:50]


class SavedReply(OrgScopedModel):
    """An approved answer, with variables (``{author_name}``, ``{first_name}``…)."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "title"], name="one_saved_reply_title")
        ]

    def __str__(self) -> str:
        return self.title


class InboxSettings(OrgScopedModel):
    """The organisation's service levels and opening hours (defaults until first saved)."""

    organization = models.OneToOneField(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    first_response_hours = models.PositiveSmallIntegerField(
        _("first response within (business hours)"), default=4
    )
    resolution_hours = models.PositiveSmallIntegerField(_("resolution within (hours)"), default=48)
    opens_at = models.TimeField(_("opens at"), default=time(9, 0))
    closes_at = models.TimeField(_("closes at"), default=time(19, 0))
    open_saturday = models.BooleanField(_("open on Saturdays"), default=False)
    # WhatsApp delivers only approved templates more than 24 hours after the person's last
    # message: the one sent instead of a reply then (empty: such replies are refused).
    whatsapp_template = models.CharField(
        _("WhatsApp template after 24 hours"),
        max_length=512,
        blank=True,
        help_text=_(
            "The name of a template approved by Meta, sent instead of a reply when the person "
            "last wrote more than 24 hours ago. Empty: such replies are refused."
        ),
    )
    whatsapp_template_language = models.CharField(
        _("template language"), max_length=15, default="fr", blank=True
    )
    whatsapp_template_text = models.BooleanField(
        _("put the reply in the template's variable {{1}}"), default=True
    )

    class Meta:
        verbose_name = _("inbox settings")
        verbose_name_plural = _("inbox settings")

    def __str__(self) -> str:
        return f"{self.first_response_hours} h / {self.resolution_hours} h"

    def policy(self, tz_name: str) -> sla.Policy:
        return sla.Policy(
            first_response_hours=self.first_response_hours,
            resolution_hours=self.resolution_hours,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            open_saturday=self.open_saturday,
            timezone=tz_name,
        )
