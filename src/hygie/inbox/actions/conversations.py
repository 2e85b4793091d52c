"""Handling a conversation: status, assignment, internal notes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Membership, User
from hygie.audit.log import record_event
from hygie.inbox import sla
from hygie.inbox.actions.inbox_settings import policy_for
from hygie.inbox.models import Conversation, ConversationStatus, InternalNote

MAX_NOTE = 5000


def _who(user: User | None) -> str | None:
    return user.email if user is not None else None


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
