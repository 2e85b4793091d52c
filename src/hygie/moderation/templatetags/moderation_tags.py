"""``{% item_moderation item as mod %}``: the state of a message and the actions to offer.

On a conversation page the states of all the conversation's messages are read at the first
call and kept on the request (five queries for the page, not four per message); a page that
already has them passes ``moderation_states`` (item id -> state) in its context.
"""

from __future__ import annotations

from django import template

from hygie.accounts.roles import Perm
from hygie.inbox.models import InboxItem
from hygie.moderation.state import ItemModeration, states_for

register = template.Library()

CACHE_KEY = "hygie_moderation_states"


@register.simple_tag(takes_context=True)
def item_moderation(context: template.Context, item: InboxItem) -> ItemModeration | None:
    """None when the member may not moderate (``inbox.reply``) or the message is ours."""
    membership = context.get("current_membership")
    if membership is None or not membership.has_perm(Perm.INBOX_REPLY) or not item.is_inbound:
        return None
    given = context.get("moderation_states")
    if isinstance(given, dict) and item.pk in given:
        state: ItemModeration = given[item.pk]
        return state
    # Kept on the request: each include renders in a fresh render context.
    holder = context.get("request")
    cache: dict[int, ItemModeration] = getattr(holder, CACHE_KEY, None) or {}
    if holder is not None:
        setattr(holder, CACHE_KEY, cache)
    if item.pk not in cache:
        siblings = list(
            InboxItem.objects.filter(conversation_id=item.conversation_id).only(
                "pk", "channel_id", "author_id", "kind", "direction"
            )
        )
        cache.update(states_for(siblings))
        if item.pk not in cache:
            cache.update(states_for([item]))
    return cache[item.pk]
