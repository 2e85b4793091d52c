"""What providers exchange with the inbox: messages received, replies sent, moderation done.

Pure dataclasses (no Django). A provider turns a network's notifications, comments, messages
and reviews into :class:`InboundEvent` (by polling :meth:`Provider.fetch_inbox`, or from a
webhook payload), answers with :meth:`Provider.reply` and moderates with
:meth:`Provider.moderate`; see docs/adding-a-provider.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class InboundEvent:
    """One message, comment, mention or review received, in the shape ``do_ingest_item`` needs.

    ``route`` is the id the organisation's channel is found by when a webhook covers several
    accounts (page id, WhatsApp phone_number_id; empty when polling a known channel).
    ``thread_id`` groups a conversation (the post of a comment, the other party of a direct
    conversation, the review); ``parent_id`` is what this one answers. ``extra`` keeps what the
    network needs to answer it (a Bluesky record's cid and root, a Matrix room id…).
    """

    network: str
    route: str
    kind: str  # comment | mention | direct_message | review
    external_id: str
    author_id: str
    author_name: str
    author_handle: str
    text: str
    received_at: datetime
    parent_id: str = ""
    thread_id: str = ""
    permalink: str = ""
    attachments: tuple[str, ...] = ()
    rating: int | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    # The conversation's title when the network has one (an e-mail's subject).
    thread_title: str = ""


@dataclass(frozen=True)
class InboxPage:
    """What one poll returned, and the cursor to pass to the next poll (opaque, per network)."""

    events: list[InboundEvent]
    cursor: str = ""


@dataclass(frozen=True)
class ReplyTarget:
    """What a reply answers: the item, its thread and the other party.

    ``extra`` is the item's ``InboundEvent.extra`` plus ``author_handle``. For a reply,
    ``requested_at`` is when Hygie decided to send it (stable across retries of one attempt: a
    provider may derive deterministic ids from it, as Bluesky's record key) and
    ``last_inbound_at`` when the other party last wrote (messaging windows: WhatsApp's 24 hours).
    """

    kind: str  # comment | mention | direct_message | review
    external_id: str
    thread_id: str = ""
    author_id: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
    requested_at: datetime | None = None
    last_inbound_at: datetime | None = None


@dataclass(frozen=True)
class ReplyResult:
    """The reply on the network; ``sent_text`` is what it shows when that is not the text
    asked for (a WhatsApp template sent outside the 24-hour window)."""

    external_id: str
    url: str = ""
    sent_text: str = ""


class ModerationAction(StrEnum):
    HIDE = "hide"
    UNHIDE = "unhide"
    DELETE = "delete"
    BLOCK = "block"


class Unsupported(Exception):
    """The network (or this account) cannot do that: the caller hides the action."""
