"""Writes to channels. Each is atomic and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hygie.accounts.models import Organization, User
from hygie.audit.log import record_event
from hygie.channels.models import Channel, ChannelStatus, Network


@transaction.atomic
def do_set_channel_status(channel: Channel, *, status: str, acting_user: User) -> Channel:
    new = ChannelStatus(status)
    before = {"status": channel.status}
    channel.status = new
    channel.save(update_fields=["status", "updated_at"])
    record_event(
        "channel.status_changed",
        actor=acting_user,
        organization=channel.organization,
        target=channel,
        before=before,
        after={"status": new.value},
    )
    return channel


@transaction.atomic
def do_connect_channel(
    org: Organization,
    *,
    network: str,
    name: str,
    handle: str,
    credentials: str = "",
    acting_user: User | None,
    base_url: str = "",
    settings: dict[str, Any] | None = None,
) -> Channel:
    channel = Channel.objects.create(
        organization=org,
        network=Network(network),
        name=name,
        handle=handle,
        credentials=credentials,
        connected_by=acting_user,
        base_url=base_url,
        settings=settings or {},
    )
    record_event(
        "channel.connected",
        actor=acting_user,
        organization=org,
        target=channel,
        after={"network": network, "handle": handle},
    )
    return channel
