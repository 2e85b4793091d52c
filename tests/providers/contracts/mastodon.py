"""Mastodon fixtures, from mastodon/documentation (statuses.md, media.md, entities)."""

from __future__ import annotations

from typing import Any

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account, PublishResult

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
