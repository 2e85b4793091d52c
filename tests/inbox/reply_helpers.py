"""Shared helpers of the reply tests (test_send_reply*.py): connect, receive, send, run."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.utils import timezone
from tests.providers.fakenet import FakeNetwork

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel
from hygie.inbox import outbox
from hygie.inbox.actions import (
    do_ingest_item,
    do_send_reply,
    first_attempt,
)
from hygie.inbox.models import (
    InboxItem,
    OutboundReply,
)

TREATMENT = "Merci pour votre avis, ravis que votre traitement vous convienne !"
NEUTRAL = "Merci pour votre retour, toute l'équipe vous souhaite une belle journée."
# Names a medicine, claims nothing: FR-MED-09 in public (review), a warning in private.
MEDICINE = "Le Doliprane contient du paracétamol."


def connect(
    org: Organization,
    user: User,
    net: FakeNetwork,
    network: str,
    *,
    credentials: dict[str, Any] | None = None,
    **settings: Any,
) -> Channel:
    return do_connect_channel(
        org,
        network=network,
        name=f"Alpha {network}",
        handle=f"alpha-{network}",
        credentials=json.dumps(credentials or {"access_token": "tok"}),
        acting_user=user,
        base_url=net.url,
        settings=settings,
    )


def receive(channel: Channel, text: str, **fields: Any) -> InboxItem:
    fields.setdefault("kind", "comment")
    fields.setdefault("external_id", f"in-{InboxItem.objects.count() + 1}")
    fields.setdefault("author_name", "Léa")
    fields.setdefault("received_at", timezone.now() - timedelta(minutes=30))
    item, _created = do_ingest_item(channel, text=text, **fields)
    return item


def send(
    item: InboxItem, text: str, user: User, *, acknowledged: bool = False, confirm: bool = False
) -> OutboundReply:
    return do_send_reply(
        item.conversation,
        text=text,
        in_reply_to=item,
        acting_user=user,
        acknowledged_findings=acknowledged,
        confirm_collision=confirm,
    )


def run(reply: OutboundReply, **kwargs: Any) -> str:
    return outbox.run_reply_attempt(first_attempt(reply).pk, **kwargs).status
