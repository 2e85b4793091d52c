"""Moderating Instagram comments: hide, unhide, delete (Instagram API with Facebook Login).

Reference (digest shared/research/provider-apis.md §2.2, from
developers.facebook.com/docs/instagram-platform/comment-moderation and codegen ``IGComment.json``):

* hide / unhide: ``POST /{ig-comment-id}`` with ``hide=true|false`` (required)
  -> ``{"success": true}`` (answer shape ⚠);
* delete: ``DELETE /{ig-comment-id}`` -> ``{"success": true}``; a comment already gone is not
  an error.

The Graph API has no way to block an Instagram user: BLOCK is not offered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hygie.providers.errors import Rejected
from hygie.providers.inbound import ModerationAction, ReplyTarget, Unsupported
from hygie.providers.meta_graph import is_missing

if TYPE_CHECKING:
    from hygie.providers.instagram.provider import InstagramProvider

ACTIONS = frozenset({ModerationAction.HIDE, ModerationAction.UNHIDE, ModerationAction.DELETE})


def moderate(provider: InstagramProvider, action: ModerationAction, target: ReplyTarget) -> None:
    if action not in ACTIONS:
        raise Unsupported(f"Instagram cannot {action}")
    if target.kind != "comment":
        raise Unsupported("Instagram hides and deletes comments only")
    path = provider._path(target.external_id)
    if action == ModerationAction.DELETE:
        try:
            provider.call("DELETE", path, headers=provider._auth())
        except Rejected as exc:
            if not is_missing(exc):
                raise
        return
    hide = "true" if action == ModerationAction.HIDE else "false"
    answer = provider.call("POST", path, headers=provider._auth(), data={"hide": hide})
    data = answer.data
    if not (isinstance(data, dict) and str(data.get("success")).lower() == "true"):
        raise Rejected(f"Instagram did not {action} the comment: {str(data)[:200]}")
