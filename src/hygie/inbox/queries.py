"""The inbox list: filters, search and keyset pagination over conversations.

One query per page, whatever the table holds: ``ORDER BY last_message_at DESC, id DESC`` with
``LIMIT page + 1`` walks one of the ``conv_org_*`` indexes from the cursor and stops, and no
page counts rows (the "Older" link appears when the extra row exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from hygie.accounts.models import Organization, User
from hygie.inbox.models import Conversation, ConversationKind, ConversationStatus, InboxItem

PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(conversation: Conversation) -> str:
    """The position just after ``conversation``: ``<microseconds since 1970>.<id>``."""
    micros = (conversation.last_message_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{conversation.pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    micros, _, pk = value.partition(".")
    try:
        return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


@dataclass
class Filters:
    status: str = ""  # "" = to handle (not done), "all", or one status
    kind: str = ""
    network: str = ""
    channel: str = ""
    assignee: str = ""  # "" = anyone, "me", "unassigned"
    sla: str = ""  # "breached"
    q: str = ""
    before: str = ""

    @classmethod
    def from_query(cls, params: QueryDict) -> Filters:
        status = params.get("status", "")
        return cls(
            status=status if status in (*ConversationStatus.values, "all") else "",
            kind=params.get("kind", "") if params.get("kind") in ConversationKind.values else "",
            network=params.get("network", "")[:32],
            channel=params.get("channel", "") if params.get("channel", "").isdigit() else "",
            assignee=params.get("assignee", "")
            if params.get("assignee") in ("me", "unassigned")
            else "",
            sla="breached" if params.get("sla") == "breached" else "",
            q=params.get("q", "").strip()[:200],
            before=params.get("before", "")[:60],
        )

    def query(self, **override: str) -> str:
        """The filters as a query string (without the cursor unless given)."""
        values: dict[str, Any] = {
            "status": self.status,
            "kind": self.kind,
            "network": self.network,
            "channel": self.channel,
            "assignee": self.assignee,
            "sla": self.sla,
            "q": self.q,
            **override,
        }
        return urlencode({k: v for k, v in values.items() if v})


def conversations(org: Organization, user: User, filters: Filters) -> QuerySet[Conversation]:
    qs = Conversation.objects.filter(organization=org)
    if filters.status == "":
        qs = qs.filter(~Q(status=ConversationStatus.DONE))  # matches conv_org_todo_activity
    elif filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.network:
        qs = qs.filter(channel__network=filters.network)
    if filters.channel:
        qs = qs.filter(channel_id=int(filters.channel))
    if filters.assignee == "me":
        qs = qs.filter(assigned_to=user)
    elif filters.assignee == "unassigned":
        qs = qs.filter(assigned_to__isnull=True)
    if filters.sla == "breached":
        now = timezone.now()
        qs = qs.exclude(status=ConversationStatus.DONE).filter(
            Q(first_response_at__isnull=True, first_response_due_at__lt=now)
            | Q(resolution_due_at__lt=now)
        )
    if filters.q:
        matching = InboxItem.objects.filter(organization=org, conversation=OuterRef("pk")).filter(
            Q(text__icontains=filters.q) | Q(author_name__icontains=filters.q)
        )
        qs = qs.filter(
            Q(Exists(matching))
            | Q(title__icontains=filters.q)
            | Q(last_author_name__icontains=filters.q)
        )
    return qs


def page(
    org: Organization, user: User, filters: Filters, size: int = PAGE_SIZE
) -> tuple[list[Conversation], str]:
    """One page of conversations, newest activity first, and the cursor of the next (or "")."""
    qs = conversations(org, user, filters)
    position = decode_cursor(filters.before) if filters.before else None
    if position is not None:
        when, pk = position
        qs = qs.filter(Q(last_message_at__lt=when) | Q(last_message_at=when, id__lt=pk))
    rows = list(
        qs.select_related("channel", "assigned_to").order_by("-last_message_at", "-id")[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    return rows, encode_cursor(rows[-1]) if more else ""
