"""X API v2 fixtures, from the digest shared/research/provider-apis.md §5.

Create → 201 ``{"data": {"id", "text"}}`` with URLs as t.co links (§5.2 ✅); simple media upload
→ ``{"data": {id, media_key, size, expires_after_secs, image{image_type, w, h}}}`` and alt text
via ``POST /2/media/metadata`` → ``{"data": {id, associated_metadata}}`` (§5.3 ✅); delete →
``{"data": {"deleted": true}}`` (§5.2 ✅). Error bodies: RFC 7807 problems; the 429 and the
duplicate-content 403 are the digest's (§5.5, the 403 ❓), 401 and 500 are ``about:blank``
problems in the same shape.
"""

from __future__ import annotations

from typing import Any

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account, PublishResult
from hygie.providers.versions import API_VERSIONS

V = API_VERSIONS["x"]
KIND = "x"
PUBLISH = ("POST", rf"/{V}/tweets")
ERROR_BODIES: dict[int, Any] = {
    401: {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
    403: {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    },
    429: {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    },
    500: {
        "title": "Internal Server Error",
        "detail": "Internal Server Error",
        "type": "about:blank",
        "status": 500,
    },
}

TWEET_ID = "1445880548472328192"
MEDIA_ID = "1880028106020515840"
TWEET = {
    "id": TWEET_ID,
    "text": "Vaccination grippe : sans rendez-vous le matin. "
    "https://t.co/abc123 #santé https://t.co/def456",
}
MEDIA = {
    "data": {
        "id": MEDIA_ID,
        "media_key": f"3_{MEDIA_ID}",
        "size": 69,
        "expires_after_secs": 86400,
        "image": {"image_type": "image/png", "w": 1, "h": 1},
    }
}
NOT_FOUND = {
    "errors": [
        {
            "detail": "Could not find tweet.",
            "title": "Not Found Error",
            "type": "https://api.x.com/2/problems/resource-not-found",
        }
    ]
}


def account(base_url: str) -> Account:
    return Account(
        handle="@pharmacie_alpha",
        credentials={
            "access_token": "tok",
            "refresh_token": "refresh-1",
            "client_id": "rG9n6402A3dbUJKzXTNX4oWHJ",
        },
        base_url=base_url,
    )


def install_happy_path(net: FakeNetwork) -> None:
    net.route("POST", rf"/{V}/media/upload", Reply(200, MEDIA))
    net.route(
        "POST",
        rf"/{V}/media/metadata",
        Reply(
            200, {"data": {"id": MEDIA_ID, "associated_metadata": {"alt_text": {"text": "alt"}}}}
        ),
    )
    net.route("POST", rf"/{V}/tweets", Reply(201, {"data": TWEET}))
    net.route("GET", rf"/{V}/tweets/{TWEET_ID}", Reply(200, {"data": TWEET}))
    net.route("DELETE", rf"/{V}/tweets/{TWEET_ID}", Reply(200, {"data": {"deleted": True}}))
    net.route("GET", rf"/{V}/tweets/\d+", Reply(200, NOT_FOUND))


def check_published(net: FakeNetwork, result: PublishResult, alt_text: str) -> None:
    assert result.external_id == TWEET_ID
    assert result.url == f"https://x.com/i/web/status/{TWEET_ID}"
    upload = net.requests_to("POST", rf"/{V}/media/upload")[0]
    assert b'name="media_category"' in upload.body and b"tweet_image" in upload.body
    metadata = net.requests_to("POST", rf"/{V}/media/metadata")[0].json()
    assert metadata == {"id": MEDIA_ID, "metadata": {"alt_text": {"text": alt_text}}}
    created = net.requests_to("POST", rf"/{V}/tweets")[-1]
    assert created.json()["media"] == {"media_ids": [MEDIA_ID]}
    assert created.headers["authorization"] == "Bearer tok"
