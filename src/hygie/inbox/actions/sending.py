"""Sending replies (exactly once: see outbox.py): checks, the request, its outcome, retries."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import User
from hygie.audit.log import record_event
from hygie.channels.models import Channel, ChannelStatus, Network
from hygie.compliance import service as compliance
from hygie.compliance.checker import CheckResult
from hygie.inbox.actions.inbox_settings import settings_for
from hygie.inbox.actions.ingestion import do_record_outbound
from hygie.inbox.models import (
    Conversation,
    Direction,
    InboxItem,
    ItemKind,
    OutboundReply,
    ReplyAttempt,
    ReplyStatus,
)
from hygie.providers.base import Provider
from hygie.providers.registry import provider_class
from hygie.providers.text import measure, utf8_len
from hygie.providers.whatsapp import replies as whatsapp_replies
from hygie.publishing.models import ACTIVE_ATTEMPT_STATUSES, AttemptStatus

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
