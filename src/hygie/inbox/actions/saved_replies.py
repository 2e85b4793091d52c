"""Saved replies: creating, editing, deleting them, and rendering one for a conversation."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.inbox import replies
from hygie.inbox.models import Conversation, Direction, SavedReply


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
