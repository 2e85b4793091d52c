"""Instagram (Facebook Login) fixtures, from the digest shared/research/provider-apis.md §2.

Shapes: the container and media ids and answers of the publishing flow (§2.1, verbatim ids),
``status_code`` values, the IGMedia fields ``id, permalink, caption, timestamp`` (codegen
IGMedia.json), and the Instagram error object with ``is_transient`` (§2.1, error-codes
reference). The IG user id is the one of the webhook example (§2.4). The permalink, the
fbtrace_ids and the messages the digest does not quote (403, 429, 500) are made up; their codes
and meanings come from §1.4 and §2.1.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account, PublishResult
from hygie.providers.inbound import ReplyResult, ReplyTarget
from hygie.providers.versions import API_VERSIONS

KIND = "instagram"
# The Graph API cannot delete published Instagram media: the shared delete step must be skipped.
CAN_DELETE = False
V = re.escape(API_VERSIONS[KIND])
IG_USER_ID = "17841400000000000"
CONTAINER_ID = "17889455560051444"
MEDIA_ID = "17920238422030506"
IMAGE_URL = "https://media.hygie.test/campagnes/affiche.png"
PERMALINK = "https://www.instagram.com/p/DAbC123xYz9/"

PUBLISH = ("POST", rf"/{V}/{IG_USER_ID}/media_publish")


def graph_error(code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "A6LJylpZRKw2xKLFsAP-cJh",
            **extra,
        }
    }


ERROR_BODIES: dict[int, Any] = {
    401: graph_error(190, "Invalid OAuth access token.", is_transient=False),
    # 10: permission denied (§1.4); instagram_content_publish is needed to publish (§2).
    403: graph_error(
        10,
        "(#10) Application does not have permission for this action",
        is_transient=False,
        error_user_msg="Hygie may not publish on this account: reconnect it.",
    ),
    # 4: app-level throttling, "API Too Many Calls" (§1.4).
    429: graph_error(4, "(#4) API Too Many Calls", is_transient=False),
    # 2: service error, retry (§1.4); 2207001: server error (§2.1).
    500: graph_error(
        2,
        "An unexpected error has occurred. Please retry your request later.",
        error_subcode=2207001,
        is_transient=True,
    ),
    # Verbatim from the Instagram error-codes reference (§2.1).
    400: {
        "error": {
            "message": "The image size is too large.",
            "type": "OAuthException",
            "code": 36000,
            "error_subcode": 2207004,
            "is_transient": False,
            "error_user_title": "Image size too large",
            "error_user_msg": "The image is too large to download. It should be less than 8 MiB.",
            "fbtrace_id": "A6LJylpZRKw2xKLFsAP-cJh",
        }
    },
}

MEDIA = {
    "id": MEDIA_ID,
    "permalink": PERMALINK,
    "caption": "Conseil du jour",
    "timestamp": "2026-11-22T10:00:00+0000",
}
GONE = graph_error(
    100,
    "Unsupported get request. Object with ID '1' does not exist, cannot be loaded due to "
    "missing permissions, or does not support this operation.",
    type="GraphMethodException",
    error_subcode=33,
)


def account(base_url: str) -> Account:
    return Account(
        handle="pharmacieduparc",
        credentials={"access_token": "tok"},
        settings={
            "ig_user_id": IG_USER_ID,
            "page_id": PAGE_ID,  # the Page it is linked to (messages go through it)
            "media_urls": {"affiche.png": IMAGE_URL},
        },
        base_url=base_url,
    )


def install_happy_path(net: FakeNetwork) -> None:
    net.route("POST", rf"/{V}/{IG_USER_ID}/media", Reply(200, {"id": CONTAINER_ID}))
    net.route(
        "GET", rf"/{V}/{CONTAINER_ID}", Reply(200, {"status_code": "FINISHED", "id": CONTAINER_ID})
    )
    net.route("POST", rf"/{V}/{IG_USER_ID}/media_publish", Reply(200, {"id": MEDIA_ID}))
    net.route("GET", rf"/{V}/{MEDIA_ID}", Reply(200, MEDIA))
    net.route("GET", rf"/{V}/\d+", Reply(400, GONE))


def check_published(net: FakeNetwork, result: PublishResult, alt_text: str) -> None:
    assert result.external_id == MEDIA_ID
    assert result.url == PERMALINK
    container = net.requests_to("POST", rf"/{V}/{IG_USER_ID}/media")[0].json()
    assert container["image_url"] == IMAGE_URL
    assert container["alt_text"] == alt_text
    assert container["caption"].startswith("Vaccination grippe")
    polls = net.requests_to("GET", rf"/{V}/{CONTAINER_ID}")
    assert polls and "status_code" in polls[0].query
    published = net.requests_to("POST", PUBLISH[1])[-1]
    assert json.loads(published.body) == {"creation_id": CONTAINER_ID}
    assert published.headers["authorization"] == "Bearer tok"


# --- Moderation (digest §2.2: ``POST /{ig-comment-id}`` ``hide=true|false``, ``DELETE``; the
# ``{"success": true}`` answers ⚠ secondary). The comment id is the digest's example.
COMMENT_ID = "17858893269000001"
SUCCESS = {"success": True}


def install_moderation(net: FakeNetwork) -> None:
    net.route("POST", rf"/{V}/{COMMENT_ID}", Reply(200, SUCCESS))
    net.route("DELETE", rf"/{V}/{COMMENT_ID}", Reply(200, SUCCESS))


# --- Replies (digest §2.2: ``POST /{ig-comment-id}/replies`` with ``message`` -> ``{"id"}``, the
# listing ``GET /{ig-comment-id}/replies`` with IGComment fields ``id, text, username,
# timestamp``; §2.3: messages through the Page, ``POST /{page-id}/messages`` ->
# ``{"recipient_id", "message_id"}`` ❓). The IGSID and ids are made up.
PAGE_ID = "101202303404505"
IGSID = "6712345678901234"
MESSAGE_MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw"
ANSWER_ID = "17858893269000777"
ANSWER_MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAx"
REPLY_TARGETS = {
    "comment": ReplyTarget(kind="comment", external_id=COMMENT_ID, thread_id=MEDIA_ID),
    "direct_message": ReplyTarget(
        kind="direct_message", external_id=MESSAGE_MID, thread_id=IGSID, author_id=IGSID
    ),
}
REPLY_CALLS = {
    "comment": ("POST", rf"/{V}/{COMMENT_ID}/replies"),
    "direct_message": ("POST", rf"/{V}/{PAGE_ID}/messages"),
}


def install_replies(net: FakeNetwork, *, answered_with: str = "") -> None:
    net.route("POST", rf"/{V}/{COMMENT_ID}/replies", Reply(200, {"id": ANSWER_ID}))
    net.route(
        "POST",
        rf"/{V}/{PAGE_ID}/messages",
        Reply(200, {"recipient_id": IGSID, "message_id": ANSWER_MID}),
    )
    replies = [{"id": "17858893269000555", "text": "Merci", "username": "jane"}]
    if answered_with:
        replies.append(
            {
                "id": ANSWER_ID,
                "text": answered_with,
                "username": "pharmacieduparc",
                "timestamp": "2099-01-01T10:00:00+0000",
            }
        )
    net.route("GET", rf"/{V}/{COMMENT_ID}/replies", Reply(200, {"data": replies}))


def check_reply(net: FakeNetwork, kind: str, result: ReplyResult, text: str) -> None:
    method, path = REPLY_CALLS[kind]
    sent = net.requests_to(method, path)[-1]
    assert sent.headers["authorization"] == "Bearer tok"
    if kind == "comment":
        assert result.external_id == ANSWER_ID
        assert sent.json() == {"message": text}
    else:
        assert result.external_id == ANSWER_MID
        assert sent.json() == {"recipient": {"id": IGSID}, "message": {"text": text}}
