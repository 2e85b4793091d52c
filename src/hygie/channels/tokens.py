"""Keeping tokens fresh: refresh before they expire, or tell the user to reconnect."""

from __future__ import annotations

import json
import logging
import time

from django.db import transaction

from hygie.audit.log import record_event
from hygie.channels.connect import oauth_app
from hygie.channels.models import Channel, ChannelStatus
from hygie.providers.base import Account
from hygie.providers.errors import AuthExpired, ProviderError
from hygie.providers.registry import provider_class

logger = logging.getLogger(__name__)

# Refresh tokens that expire within this many seconds.
HORIZON_SECONDS = 24 * 3600


def refresh_expiring(now: float | None = None) -> dict[str, int]:
    """Refresh every active channel whose token expires soon; returns counts by outcome."""
    now = now or time.time()
    counts = {"refreshed": 0, "needs_reconnect": 0, "failed": 0}
    for channel in Channel.objects.filter(status=ChannelStatus.ACTIVE).exclude(credentials=""):
        credentials = channel.credentials_dict()
        expires_at = credentials.get("expires_at")
        if not expires_at or float(expires_at) > now + HORIZON_SECONDS:
            continue
        provider = provider_class(channel.network)(
            Account(
                channel.handle,
                credentials,
                dict(channel.settings),
                channel.base_url or None,
                app=oauth_app(channel.network),
            )
        )
        try:
            provider.refresh()
        except AuthExpired as exc:
            mark_needs_reconnect(channel, exc.message)
            counts["needs_reconnect"] += 1
        except ProviderError as exc:  # try again at the next run
            logger.warning("token refresh of channel %s failed: %s", channel.pk, exc.message)
            counts["failed"] += 1
        else:
            save_credentials(channel, provider.account.credentials)
            counts["refreshed"] += 1
    return counts


@transaction.atomic
def save_credentials(channel: Channel, credentials: dict[str, object]) -> None:
    channel.credentials = json.dumps(credentials)
    channel.save(update_fields=["credentials", "updated_at"])
    record_event(
        "channel.token_refreshed",
        actor=None,
        actor_repr="scheduler",
        organization=channel.organization,
        target=channel,
    )


@transaction.atomic
def mark_needs_reconnect(channel: Channel, message: str) -> None:
    Channel.objects.filter(pk=channel.pk).update(
        status=ChannelStatus.NEEDS_RECONNECT, last_error=message[:2000]
    )
    record_event(
        "channel.needs_reconnect",
        actor=None,
        actor_repr="scheduler",
        organization=channel.organization,
        target=channel,
        after={"error": message[:500]},
    )
