"""Asking a channel's network to hide, unhide or delete a message, or to block its author."""

from __future__ import annotations

from typing import Any

from hygie.channels.models import Channel
from hygie.channels.tokens import save_credentials
from hygie.inbox.models import InboxItem
from hygie.providers.errors import AuthExpired
from hygie.providers.inbound import ModerationAction, ReplyTarget
from hygie.publishing.engine import build_provider


def target_for(item: InboxItem) -> ReplyTarget:
    """What the provider needs to find the message: its id, its thread, its author, and what
    the network gave to answer it (``extra``: a Bluesky reply's root, a Matrix room…)."""
    extra: Any = item.extra
    return ReplyTarget(
        kind=item.kind,
        external_id=item.external_id,
        thread_id=item.conversation.thread_external_id,
        author_id=item.author.external_id if item.author is not None else "",
        extra={str(k): str(v) for k, v in extra.items()} if isinstance(extra, dict) else {},
    )


def perform(channel: Channel, action: ModerationAction, target: ReplyTarget) -> None:
    """One moderation call, refreshing the token first when it is about to expire, and once
    more when the network says it expired. Raises the provider's errors (and ``Unsupported``).
    """
    provider = build_provider(channel)
    try:
        if provider.needs_refresh():
            provider.refresh()
        try:
            provider.moderate(action, target)
        except AuthExpired as expired:
            try:
                provider.refresh()
            except AuthExpired:
                raise expired from None  # the network's own words, not the refresh's
            provider.moderate(action, target)
    finally:
        if provider.credentials_changed:
            save_credentials(channel, provider.account.credentials)
