"""Moderating a Facebook Page: hide, unhide and delete comments, block people from the Page.

Reference (digest shared/research/provider-apis.md §1.2; params from facebook-business-sdk-codegen
``Comment.json`` and ``Page.json``):

* hide / unhide a comment: ``POST /{comment-id}`` with ``is_hidden=true|false``
  -> ``{"success": true}`` (answer shape ⚠, secondary source);
* delete a comment: ``DELETE /{comment-id}`` -> ``{"success": true}``; a comment already gone
  is not an error;
* block a person from the Page: ``POST /{page-id}/blocked`` with ``user`` (a list of ids;
  ``psid``, the Page-scoped id, for someone who wrote through Messenger) -> an object mapping
  each id to ``true`` when it was blocked (Page.json: return type ``Object``; the map shape is
  Meta's reference page, not quoted by the digest ⚠).

Every call needs the Page token; hiding and deleting need ``pages_manage_engagement``, reading
``pages_read_user_content`` (digest §1.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hygie.providers.errors import Rejected
from hygie.providers.inbound import ModerationAction, ReplyTarget, Unsupported
from hygie.providers.meta_graph import is_missing

if TYPE_CHECKING:
    from hygie.providers.facebook_page.provider import FacebookPageProvider

ACTIONS = frozenset(
    {
        ModerationAction.HIDE,
        ModerationAction.UNHIDE,
        ModerationAction.DELETE,
        ModerationAction.BLOCK,
    }
)


def _succeeded(data: Any) -> bool:
    """``{"success": true}``; Meta sometimes writes the boolean as a string."""
    return isinstance(data, dict) and str(data.get("success")).lower() == "true"


def moderate(provider: FacebookPageProvider, action: ModerationAction, target: ReplyTarget) -> None:
    if action not in ACTIONS:
        raise Unsupported(f"Facebook cannot {action}")
    if action == ModerationAction.BLOCK:
        block(provider, target)
        return
    if target.kind != "comment":
        raise Unsupported("Facebook hides and deletes comments only")
    path = provider._path(target.external_id)
    if action == ModerationAction.DELETE:
        try:
            provider.call("DELETE", path, headers=provider._auth())
        except Rejected as exc:
            if not is_missing(exc):
                raise
        return
    hidden = "true" if action == ModerationAction.HIDE else "false"
    answer = provider.call("POST", path, headers=provider._auth(), data={"is_hidden": hidden})
    if not _succeeded(answer.data):
        raise Rejected(f"Facebook did not {action} the comment: {str(answer.data)[:200]}")


def block(provider: FacebookPageProvider, target: ReplyTarget) -> None:
    """Block the author of ``target`` from the Page (by Page-scoped id for a Messenger sender)."""
    person = target.author_id
    if not person:
        raise Rejected("Facebook: the author of this message is unknown, it cannot be blocked.")
    field = "psid" if target.kind == "direct_message" else "user"
    answer = provider.call(
        "POST",
        provider._path(provider.page_id, "blocked"),
        headers=provider._auth(),
        json={field: [person]},
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    if data.get(person) is False or str(data.get(person)).lower() == "false":
        raise Rejected("Facebook did not block this person.")
