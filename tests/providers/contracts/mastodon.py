"""Mastodon fixtures, from mastodon/documentation (statuses.md, media.md, entities)."""

from __future__ import annotations

from typing import Any

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account, PublishResult
from hygie.providers.inbound import ReplyResult, ReplyTarget

KIND = "mastodon"
PUBLISH = ("POST", r"/api/v1/statuses")
ERROR_BODIES: dict[int, Any] = {
    401: {"error": "The access token is invalid"},
    403: {"error": "This action is not allowed"},
    422: {"error": "Validation failed: Text can't be blank"},
    429: {"error": "Too many requests"},
    500: {"error": "We're sorry, but something went wrong on our end."},
}

STATUS = {
    "id": "103704874086360371",
    "created_at": "2026-11-22T10:00:00.000Z",
    "uri": "https://mastodon.test/users/pharma/statuses/103704874086360371",
    "url": "https://mastodon.test/@pharma/103704874086360371",
    "visibility": "public",
    "content": "<p>Conseil du jour</p>",
    "media_attachments": [],
}
MEDIA = {
    "id": "22348641",
    "type": "image",
    "url": "https://files.mastodon.test/media_attachments/files/022/348/641/original/e9.png",
    "preview_url": "https://files.mastodon.test/small/e9.png",
    "description": "alt",
}


def account(base_url: str) -> Account:
    return Account(
        handle="@pharma@mastodon.test", credentials={"access_token": "tok"}, base_url=base_url
    )


def install_happy_path(net: FakeNetwork) -> None:
    net.route("POST", r"/api/v2/media", Reply(200, MEDIA))
    net.route("POST", r"/api/v1/statuses", Reply(200, STATUS))
    net.route("GET", r"/api/v1/statuses/103704874086360371", Reply(200, STATUS))
    net.route("DELETE", r"/api/v1/statuses/103704874086360371", Reply(200, STATUS))
    net.route("GET", r"/api/v1/statuses/\d+", Reply(404, {"error": "Record not found"}))


def check_published(net: FakeNetwork, result: PublishResult, alt_text: str) -> None:
    assert result.url == STATUS["url"]
    upload = net.requests_to("POST", r"/api/v2/media")[0]
    assert alt_text.encode() in upload.body  # multipart field "description"
    status = net.requests_to("POST", r"/api/v1/statuses")[-1]
    assert status.json()["media_ids"] == ["22348641"]
    assert status.headers["idempotency-key"].startswith("hygie-")
    assert status.headers["authorization"] == "Bearer tok"


# --- Moderation (mastodon/documentation methods/accounts.md: ``POST /api/v1/accounts/:id/block``
# -> Relationship, ``GET /api/v1/accounts/lookup?acct=`` -> Account; entities/Relationship.md).
# The account is the one of the digest's mention example (§8.2).
ACCOUNT_ID = "971724"
ACCT = "zsc@mastodon.test"
ACCOUNT = {"id": ACCOUNT_ID, "username": "zsc", "acct": ACCT, "display_name": "zsc"}
RELATIONSHIP = {
    "id": ACCOUNT_ID,
    "following": False,
    "showing_reblogs": False,
    "notifying": False,
    "followed_by": False,
    "blocking": True,
    "blocked_by": False,
    "muting": False,
    "muting_notifications": False,
    "requested": False,
    "domain_blocking": False,
    "endorsed": False,
    "note": "",
}


def install_moderation(net: FakeNetwork) -> None:
    net.route("GET", r"/api/v1/accounts/lookup", Reply(200, ACCOUNT))
    net.route("POST", rf"/api/v1/accounts/{ACCOUNT_ID}/block", Reply(200, RELATIONSHIP))


# --- Replies (methods/statuses.md: ``POST /api/v1/statuses`` with ``in_reply_to_id`` and
# ``visibility``, the Idempotency-Key header; ``GET /api/v1/statuses/:id/context`` ->
# ``{"ancestors", "descendants"}``). The status answered is the digest's mention example.
MENTION_ID = "103186126728896492"
ME = {"id": "1", "username": "pharma", "acct": "pharma"}
REPLY_TARGETS = {
    "mention": ReplyTarget(
        kind="mention", external_id=MENTION_ID, author_id=ACCOUNT_ID, extra={"author_handle": ACCT}
    ),
    "direct_message": ReplyTarget(
        kind="direct_message",
        external_id=MENTION_ID,
        author_id=ACCOUNT_ID,
        extra={"author_handle": ACCT},
    ),
}
REPLY_CALLS = dict.fromkeys(REPLY_TARGETS, ("POST", r"/api/v1/statuses"))


def install_replies(net: FakeNetwork, *, answered_with: str = "") -> None:
    def create(recorded: Any) -> Reply:
        body = recorded.json()
        return Reply(
            200,
            {
                **STATUS,
                "id": "103704874086360999",
                "url": "https://mastodon.test/@pharma/103704874086360999",
                "content": f"<p>{body['status']}</p>",
                "in_reply_to_id": body["in_reply_to_id"],
                "visibility": body["visibility"],
            },
        )

    net.route("POST", r"/api/v1/statuses", create)
    net.route("GET", r"/api/v1/accounts/verify_credentials", Reply(200, ME))
    descendants = []
    if answered_with:
        descendants.append(
            {
                **STATUS,
                "id": "103704874086360999",
                "url": "https://mastodon.test/@pharma/103704874086360999",
                "created_at": "2099-01-01T10:00:00.000Z",
                # As Mastodon renders a mention: a link around "@<span>user</span>".
                "content": '<p><span class="h-card"><a href="https://mastodon.test/@zsc" '
                'class="u-url mention">@<span>zsc</span></a></span> ' + answered_with + "</p>",
                "account": ME,
            }
        )
    net.route(
        "GET",
        rf"/api/v1/statuses/{MENTION_ID}/context",
        Reply(200, {"ancestors": [], "descendants": descendants}),
    )


def check_reply(net: FakeNetwork, kind: str, result: ReplyResult, text: str) -> None:
    sent = net.requests_to("POST", r"/api/v1/statuses")[-1]
    assert sent.json() == {
        "status": f"@{ACCT} {text}",
        "in_reply_to_id": MENTION_ID,
        "visibility": "direct" if kind == "direct_message" else "public",
        "language": "fr",
    }
    assert sent.headers["idempotency-key"] == "hygie-reply-42"
    assert result.external_id == "103704874086360999"
    assert result.url == "https://mastodon.test/@pharma/103704874086360999"


# --- inbox: notifications and conversations (methods/notifications.md, conversations.md) -------

INBOX = ("GET", r"/api/v1/notifications")
ME = {"id": "1", "username": "pharma", "acct": "pharma", "display_name": "Pharmacie"}
BOB = {"id": "7", "username": "bob", "acct": "bob@autre.test", "display_name": "Bob"}


def _status(status_id: str, visibility: str, content: str, **more: Any) -> dict[str, Any]:
    return {
        "id": status_id,
        "created_at": "2026-11-22T11:00:00.000Z",
        "url": f"https://autre.test/@bob/{status_id}",
        "visibility": visibility,
        "content": content,
        "spoiler_text": "",
        "media_attachments": [],
        "in_reply_to_id": None,
        "account": BOB,
        **more,
    }


ANSWER = _status("110", "public", "<p>@pharma et le samedi ?</p>", in_reply_to_id=STATUS["id"])
DIRECT = _status("120", "direct", "<p>@pharma mon ordonnance est-elle prête ?</p>")
# A private mention set aside by the instance's notification policy: only in conversations.
FILTERED = _status("105", "direct", "<p>@pharma bonjour</p>")
NOTIFICATIONS = [
    {
        "id": "202",
        "type": "mention",
        "created_at": DIRECT["created_at"],
        "account": BOB,
        "status": DIRECT,
    },
    {
        "id": "201",
        "type": "mention",
        "created_at": ANSWER["created_at"],
        "account": BOB,
        "status": ANSWER,
    },
]
CONVERSATIONS = [
    {"id": "c1", "unread": True, "accounts": [BOB], "last_status": DIRECT},
    {"id": "c2", "unread": True, "accounts": [BOB], "last_status": FILTERED},
]
OLD_CURSOR = '{"notifications":"100","conversations":"100"}'
ALL_COUNT = 3


def _notifications_page(request: Any) -> Reply:
    if "min_id=202" in request.query:
        return Reply(200, [])
    return Reply(200, NOTIFICATIONS)


def install_inbox(net: FakeNetwork) -> None:
    net.route("GET", r"/api/v1/accounts/verify_credentials", Reply(200, ME))
    net.route("GET", r"/api/v1/notifications", _notifications_page)
    net.route("GET", r"/api/v1/conversations", Reply(200, CONVERSATIONS))


def check_inbox(net: FakeNetwork, page: Any) -> None:
    """Mentions from notifications, direct statuses from conversations too, each once."""
    events = {e.external_id: e for e in page.events}
    assert sorted(events) == ["105", "110", "120"]
    assert (events["110"].kind, events["110"].parent_id) == ("comment", STATUS["id"])
    assert events["110"].text == "@pharma et le samedi ?"
    assert events["120"].kind == events["105"].kind == "direct_message"
    assert events["120"].extra == {
        "acct": "bob@autre.test",
        "visibility": "direct",
        "status_id": "120",
    }
    assert (events["120"].author_id, events["120"].author_handle) == ("7", "@bob@autre.test")
    assert page.cursor == '{"notifications":"202","conversations":"120"}'
    request = net.requests_to(*INBOX)[0]
    assert "types%5B%5D=mention" in request.query and "include_filtered=true" in request.query
