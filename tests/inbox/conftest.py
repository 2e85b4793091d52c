"""Inbox helpers: a second channel of organisation A, and a short way to receive a message."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.inbox.actions import do_ingest_item
from hygie.inbox.models import InboxItem

_ids = count(1)


def receive(
    channel: Channel,
    text: str = "Bonjour",
    *,
    kind: str = "comment",
    author: str = "Nadia",
    ago: timedelta = timedelta(minutes=5),
    at: datetime | None = None,
    **extra: Any,
) -> InboxItem:
    """One message from ``author`` (a fresh network id unless ``external_id`` is given)."""
    extra.setdefault("external_id", f"msg-{next(_ids)}")
    item, _created = do_ingest_item(
        channel,
        kind=kind,
        author_name=author,
        text=text,
        received_at=at or timezone.now() - ago,
        **extra,
    )
    return item


@pytest.fixture
def bluesky_a(org_a: Organization, alice: User) -> Channel:
    return do_connect_channel(
        org_a, network=Network.BLUESKY, name="Alpha sky", handle="alpha.bsky", acting_user=alice
    )
