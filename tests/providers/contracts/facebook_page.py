"""Facebook Page fixtures, from the digest shared/research/provider-apis.md §1.

Shapes: the Graph error object (§1.4, developers.facebook.com/docs/graph-api/guides/error-handling,
and the Messenger error-codes example for 190), the photo answer ``{"id", "post_id"}`` and the
delete answer ``{"success": true}`` (§1.2, secondary: brightbean tests), the PagePost fields
``id, message, created_time, permalink_url`` (§1.2, codegen PagePost.json). Ids, fbtrace_ids and
the permalink (shape ❓ in the digest) are made up; so are the messages that the digest does not
quote (403, 429, 500): only their codes and meanings come from §1.4.
"""

from __future__ import annotations

import re
from typing import Any

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account, PublishResult
from hygie.providers.inbound import ReplyResult, ReplyTarget
from hygie.providers.versions import API_VERSIONS

KIND = "facebook_page"
V = re.escape(API_VERSIONS[KIND])
PAGE_ID = "101202303404505"
PHOTO_ID = "122098765432101234"
POST_ID = f"{PAGE_ID}_{PHOTO_ID}"
PERMALINK = f"https://www.facebook.com/{PAGE_ID}/posts/pfbid02Xk7hQz9Ja4vRbLmW1sT"

PUBLISH = ("POST", rf"/{V}/{PAGE_ID}/photos")


def graph_error(code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AbCdEfGh1234",
            **extra,
        }
    }


ERROR_BODIES: dict[int, Any] = {
    # Verbatim from the Messenger error-codes example (digest §1.3).
    401: {
        "error": {
            "message": "Invalid OAuth access token.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 1234567,
            "fbtrace_id": "BLBz/WZt8dN",
        }
    },
    # 200-299: permission denied / missing (§1.4); pages_manage_posts is needed to post (§1.1).
    403: graph_error(
        200,
        "(#200) The pages_manage_posts permission is missing.",
        error_user_title="Permission missing",
        error_user_msg="Hygie may not post on this Page: reconnect it.",
    ),
    # 32: Page-level throttling (§1.4).
    429: graph_error(32, "(#32) Page request limit reached"),
    # 2: service error, retry (§1.4).
    500: graph_error(
        2, "An unexpected error has occurred. Please retry your request later.", is_transient=True
    ),
}

PHOTO_CREATED = {"id": PHOTO_ID, "post_id": POST_ID}
POST = {
    "id": POST_ID,
    "message": "Conseil du jour",
    "created_time": "2026-11-22T10:00:00+0000",
    "permalink_url": PERMALINK,
}
GONE = graph_error(
    100,
    f"Unsupported get request. Object with ID '{PAGE_ID}_1' does not exist, cannot be "
    "loaded due to missing permissions, or does not support this operation.",
    type="GraphMethodException",
    error_subcode=33,
)


def account(base_url: str) -> Account:
    return Account(
        handle="Pharmacie du Parc",
        credentials={"access_token": "page-tok"},
        settings={"page_id": PAGE_ID},
        base_url=base_url,
    )


def install_happy_path(net: FakeNetwork) -> None:
    net.route("POST", rf"/{V}/{PAGE_ID}/photos", Reply(200, PHOTO_CREATED))
    net.route("POST", rf"/{V}/{PAGE_ID}/feed", Reply(200, {"id": POST_ID}))
    net.route("GET", rf"/{V}/{POST_ID}", Reply(200, POST))
    net.route("DELETE", rf"/{V}/{POST_ID}", Reply(200, {"success": True}))
    net.route("GET", rf"/{V}/[0-9_]+", Reply(400, GONE))
    net.route("DELETE", rf"/{V}/[0-9_]+", Reply(400, GONE))


def check_published(net: FakeNetwork, result: PublishResult, alt_text: str) -> None:
    assert result.external_id == POST_ID
    assert result.url == PERMALINK
    photo = net.requests_to("POST", rf"/{V}/{PAGE_ID}/photos")[-1]
    assert b'name="source"' in photo.body
    assert b'name="alt_text_custom"' in photo.body and alt_text.encode() in photo.body
    assert b'name="published"' not in photo.body  # published by default
    assert photo.headers["authorization"] == "Bearer page-tok"
    read = net.requests_to("GET", rf"/{V}/{POST_ID}")[0]
    assert "permalink_url" in read.query


# --- Moderation (digest §1.2: Comment.json ``POST <node>`` ``is_hidden``, ``DELETE <node>``;
# Page.json ``POST blocked`` with ``user`` / ``psid`` lists). The success answers are the
# digest's ``{"success": true}`` (⚠ secondary); the blocked-edge answer, a map of each id to
# true, is Meta's reference page (not quoted by the digest). Ids are made up.
COMMENT_ID = f"{PHOTO_ID}_901234567890123"
COMMENTER_ID = "6543210987654321"
SUCCESS = {"success": True}


def install_moderation(net: FakeNetwork) -> None:
    net.route("POST", rf"/{V}/{COMMENT_ID}", Reply(200, SUCCESS))
    net.route("DELETE", rf"/{V}/{COMMENT_ID}", Reply(200, SUCCESS))
    net.route("POST", rf"/{V}/{PAGE_ID}/blocked", Reply(200, {COMMENTER_ID: True}))


# --- Replies (digest §1.2: Comment.json ``POST comments`` with ``message`` -> ``{"id"}``;
# §1.3: the Send API ``POST /{page-id}/messages`` -> ``{"recipient_id", "message_id"}``, whose
# message id shape is the digest's). The listing of a comment's replies has the Comment fields
# ``id, message, from, created_time`` (Comment.json). Ids are made up.
PSID = "24681357902468135"
MESSAGE_MID = "m_1457764197618:41d102a3e1ae206a38"
ANSWER_COMMENT_ID = f"{PHOTO_ID}_901234567890999"
ANSWER_MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fp"
REPLY_TARGETS = {
    "comment": ReplyTarget(
        kind="comment", external_id=COMMENT_ID, thread_id=POST_ID, author_id=COMMENTER_ID
    ),
    "direct_message": ReplyTarget(
        kind="direct_message", external_id=MESSAGE_MID, thread_id=PSID, author_id=PSID
    ),
}
REPLY_CALLS = {
    "comment": ("POST", rf"/{V}/{COMMENT_ID}/comments"),
    "direct_message": ("POST", rf"/{V}/{PAGE_ID}/messages"),
}


def install_replies(net: FakeNetwork, *, answered_with: str = "") -> None:
    """The reply calls; ``answered_with``: the comment already has the Page's answer."""
    net.route("POST", rf"/{V}/{COMMENT_ID}/comments", Reply(200, {"id": ANSWER_COMMENT_ID}))
    net.route(
        "POST",
        rf"/{V}/{PAGE_ID}/messages",
        Reply(200, {"recipient_id": PSID, "message_id": ANSWER_MID}),
    )
    replies = [
        {
            "id": f"{PHOTO_ID}_901234567890555",
            "message": "Oui, sans rendez-vous.",
            "from": {"id": COMMENTER_ID, "name": "Priya Sharma"},
            "created_time": "2026-11-22T10:00:00+0000",
        }
    ]
    if answered_with:
        replies.append(
            {
                "id": ANSWER_COMMENT_ID,
                "message": answered_with,
                "from": {"id": PAGE_ID, "name": "Pharmacie du Parc"},
                "created_time": "2099-01-01T10:00:00+0000",
            }
        )
    net.route("GET", rf"/{V}/{COMMENT_ID}/comments", Reply(200, {"data": replies}))


def check_reply(net: FakeNetwork, kind: str, result: ReplyResult, text: str) -> None:
    method, path = REPLY_CALLS[kind]
    sent = net.requests_to(method, path)[-1]
    assert sent.headers["authorization"] == "Bearer page-tok"
    if kind == "comment":
        assert result.external_id == ANSWER_COMMENT_ID
        assert sent.json() == {"message": text}
    else:
        assert result.external_id == ANSWER_MID
        assert sent.json() == {
            "recipient": {"id": PSID},
            "message": {"text": text},
            "messaging_type": "RESPONSE",
        }
