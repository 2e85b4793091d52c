"""Moderating on Mastodon: block the author. An account cannot hide or delete what others
write on their instance (only the instance's moderators can), so only BLOCK is offered.

Reference (mastodon/documentation content/en/methods/accounts.md):

* ``POST /api/v1/accounts/:id/block`` -> a Relationship with ``"blocking": true``; needs the
  ``write:blocks`` scope (``write`` covers it);
* ``GET /api/v1/accounts/lookup?acct=user@domain`` -> an Account, when all we know is the
  address (since 3.4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from hygie.providers.errors import Rejected
from hygie.providers.inbound import ModerationAction, ReplyTarget, Unsupported

if TYPE_CHECKING:
    from hygie.providers.mastodon.provider import MastodonProvider

ACTIONS = frozenset({ModerationAction.BLOCK})


def account_id(provider: MastodonProvider, author: str) -> str:
    """The instance's id of the author: as given when it is one, else looked up by address."""
    if author.isdigit():
        return author
    acct = author.lstrip("@")
    if not acct:
        raise Rejected("Mastodon: the author of this message is unknown, it cannot be blocked.")
    answer = provider.call(
        "GET", "/api/v1/accounts/lookup", headers=provider._auth(), params={"acct": acct}
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    if not data.get("id"):
        raise Rejected(f"Mastodon does not know the account {acct}.")
    return str(data["id"])


def moderate(provider: MastodonProvider, action: ModerationAction, target: ReplyTarget) -> None:
    if action not in ACTIONS:
        raise Unsupported(f"Mastodon cannot {action}")
    author = target.author_id
    if not author.isdigit():  # the address the inbox kept, when the id is not the instance's
        author = target.extra.get("acct") or author
    account = account_id(provider, author)
    answer = provider.call(
        "POST", f"/api/v1/accounts/{quote(account, safe='')}/block", headers=provider._auth()
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    if data.get("blocking") is not True:
        raise Rejected(f"Mastodon did not block the account: {str(data)[:200]}")
