"""Follow-ups and the public acknowledgement with an approved text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.inbox.actions import do_send_reply
from hygie.inbox.models import ItemKind, OutboundReply
from hygie.safety.actions._common import MAX_TEXT, _choice, _locked, _take
from hygie.safety.models import (
    PRIVATE_CHANNELS,
    FollowUp,
    FollowUpChannel,
    FollowUpOutcome,
    SafetyAckTemplate,
    SafetyCase,
)

# The approved answer every organisation starts with (regulation PV-08: thanks, and private).
DEFAULT_ACK_NAME = "Accusé de réception"
DEFAULT_ACK_TEXT = (
    "Merci pour votre message. Nous vous contactons en message privé pour en savoir plus."
)


# --- Follow-up and acknowledgement -----------------------------------------------------------


@transaction.atomic
def do_add_follow_up(
    case: SafetyCase,
    *,
    channel: str,
    text: str,
    outcome: str = FollowUpOutcome.AWAITING,
    acting_user: User,
    at: datetime | None = None,
) -> FollowUp:
    """Log one attempt to learn more, or its answer (every attempt is documented)."""
    channel = _choice(channel, FollowUpChannel.values, blank=False)
    outcome = _choice(outcome, FollowUpOutcome.values, blank=False)
    text = text.strip()
    if not text:
        raise ActionError(_("Say what was asked or learnt."))
    now = timezone.now()
    when = at or now
    if when > now:
        raise ActionError(_("A follow-up is logged once it has happened."))
    case = _locked(case)
    follow_up = FollowUp.objects.create(
        organization=case.organization,
        case=case,
        at=when,
        channel=channel,
        outcome=outcome,
        text=text[:MAX_TEXT],
        by=acting_user,
    )
    record_event(
        "safety_case.follow_up_logged",
        actor=acting_user,
        organization=case.organization,
        target=case,
        after={
            "follow_up": follow_up.pk,
            "at": when.isoformat(),
            "channel": channel,
            "outcome": outcome,
            "text": follow_up.text,
        },
    )
    return follow_up


def ack_templates(org: Organization) -> list[SafetyAckTemplate]:
    """The organisation's approved acknowledgements in use; the default one (not saved yet)
    when it has none."""
    templates = list(SafetyAckTemplate.objects.filter(organization=org, is_active=True))
    if templates or SafetyAckTemplate.objects.filter(organization=org).exists():
        return templates
    return [SafetyAckTemplate(organization=org, name=DEFAULT_ACK_NAME, text=DEFAULT_ACK_TEXT)]


def _default_template(org: Organization) -> SafetyAckTemplate:
    template, created = SafetyAckTemplate.objects.get_or_create(
        organization=org,
        name=DEFAULT_ACK_NAME,
        defaults={"text": DEFAULT_ACK_TEXT, "language": "fr"},
    )
    if created:
        record_event(
            "safety_ack_template.created",
            actor=None,
            actor_repr="hygie default",
            organization=org,
            target=template,
            after={"name": template.name, "text": template.text},
        )
    return template


@transaction.atomic
def do_save_ack_template(
    org: Organization,
    *,
    data: Mapping[str, Any],
    acting_user: User,
    template: SafetyAckTemplate | None = None,
) -> SafetyAckTemplate:
    """Write (and so approve) an acknowledgement. Its author approves it: only safety
    managers may."""
    name = str(data.get("name", "")).strip()[:120]
    text = str(data.get("text", "")).strip()
    if not name or not text:
        raise ActionError(_("Give the template a name and a text."))
    if len(text) > 1000:
        raise ActionError(_("An acknowledgement is at most 1,000 characters."))
    clash = SafetyAckTemplate.objects.filter(organization=org, name=name)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ActionError(_("Another template has this name."))
    before = None
    if template is None:
        template = SafetyAckTemplate(organization=org)
    else:
        template = SafetyAckTemplate.objects.select_for_update().get(pk=template.pk)
        before = {"name": template.name, "text": template.text, "is_active": template.is_active}
    template.name = name
    template.text = text
    template.language = str(data.get("language") or "fr")[:8]
    template.is_active = bool(data.get("is_active", True))
    template.approved_by = acting_user
    template.approved_at = timezone.now()
    template.save()
    record_event(
        "safety_ack_template.approved",
        actor=acting_user,
        organization=org,
        target=template,
        before=before,
        after={"name": name, "text": text, "is_active": template.is_active},
    )
    return template


@transaction.atomic
def do_send_acknowledgement(
    case: SafetyCase,
    *,
    template: SafetyAckTemplate | None,
    private_channel: str,
    acting_user: User,
    send_from_hygie: bool = True,
) -> OutboundReply | None:
    """Answer the source publicly with an approved text and move the talk to a private
    channel. From Hygie, the answer is queued like any reply (the caller queues
    ``send_reply_attempt`` for the returned reply on commit); otherwise the member posted it
    on the network and this records it. Never a word on causality (regulation PV-08)."""
    private_channel = _choice(private_channel, [c.value for c in PRIVATE_CHANNELS], blank=False)
    case = _locked(case)
    org = case.organization
    if case.ack_sent_at is not None:
        raise ActionError(
            _("The acknowledgement was already sent on %(when)s.")
            % {"when": timezone.localtime(case.ack_sent_at).strftime("%d/%m/%Y %H:%M")}
        )
    if template is None:
        template = _default_template(org)
    if template.organization_id != org.pk or not template.is_active:
        raise ActionError(_("Choose an approved acknowledgement in use."))
    item = case.source_item
    reply: OutboundReply | None = None
    if send_from_hygie:
        if item is None:
            raise ActionError(_("The source message is not in the inbox: post it yourself."))
        # The text is an approved template: its findings, if any, were read when approving it.
        reply = do_send_reply(
            item.conversation,
            text=template.text,
            in_reply_to=item,
            acting_user=acting_user,
            acknowledged_findings=True,
        )
    public = item is None or item.kind != ItemKind.DIRECT_MESSAGE
    now = timezone.now()
    case.ack_template = template
    case.ack_text = template.text
    case.ack_sent_at = now
    case.ack_sent_by = acting_user
    case.ack_reply = reply
    case.private_channel = private_channel
    taken = _take(case, acting_user) if case.is_active else []
    case.save(
        update_fields=[
            "ack_template",
            "ack_text",
            "ack_sent_at",
            "ack_sent_by",
            "ack_reply",
            "private_channel",
            *taken,
            "updated_at",
        ]
    )
    follow_up = FollowUp.objects.create(
        organization=org,
        case=case,
        at=now,
        channel=FollowUpChannel.PUBLIC_REPLY if public else FollowUpChannel.PRIVATE_MESSAGE,
        outcome=FollowUpOutcome.AWAITING,
        text=template.text,
        by=acting_user,
    )
    record_event(
        "safety_case.acknowledged",
        actor=acting_user,
        organization=org,
        target=case,
        after={
            "template": template.name,
            "text": template.text,
            "sent_from_hygie": reply is not None,
            "reply": reply.pk if reply is not None else None,
            "private_channel": private_channel,
            "follow_up": follow_up.pk,
        },
    )
    return reply
