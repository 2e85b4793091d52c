"""LinkedIn fixtures, from the digest shared/research/provider-apis.md §4.

Shapes: posts create → 201, empty body, ``x-restli-id: urn:li:share:…`` (§4.3 ⚠); images
``initializeUpload`` → ``{"value": {uploadUrlExpiresAt, uploadUrl, image}}`` (§4.4 ⚠), then a PUT
of the bytes → 201 (❓); delete → 204 (❓). Error bodies use the documented
``{"message", "serviceErrorCode", "status"}`` shape (§4.6 ✅); only the 401 message is quoted
from the docs, the others are placeholders in that shape. The read-back body is not in the
digest: it is the created post with its ``id``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account, PublishResult
from hygie.providers.versions import API_VERSIONS

KIND = "linkedin_org"
PUBLISH = ("POST", r"/rest/posts")
ERROR_BODIES: dict[int, Any] = {
    401: {"message": "Empty oauth2_access_token", "serviceErrorCode": 401, "status": 401},
    403: {
        "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE",
        "serviceErrorCode": 100,
        "status": 403,
    },
    429: {
        "message": "Resource level throttle APPLICATION DAY limit reached",
        "serviceErrorCode": 101,
        "status": 429,
    },
    500: {"message": "Internal Server Error", "status": 500},
}

ORGANIZATION = "urn:li:organization:5515715"
SHARE = "urn:li:share:7196000000000000000"
SHARE_PATH = f"/rest/posts/{quote(SHARE, safe='')}"  # urn%3Ali%3Ashare%3A…
IMAGE = "urn:li:image:C4E10AQFoyyAjHPMQuQ"
UPLOAD_PATH = "/dms-uploads/sp/C4E10AQFoyyAjHPMQuQ/feedshare-uploadedImage/0"


def account(base_url: str) -> Account:
    return Account(
        handle="Pharmacie Alpha",
        credentials={
            "access_token": "tok",
            "refresh_token": "refresh-1",
            "client_id": "client-id",
            "client_secret": "client-secret",
        },
        settings={"organization_urn": ORGANIZATION},
        base_url=base_url,
    )


def initialize_upload(net: FakeNetwork) -> dict[str, Any]:
    return {
        "value": {
            "uploadUrlExpiresAt": 1743500000000,
            "uploadUrl": f"{net.url}{UPLOAD_PATH}?ca=vector_feedshare&cn=uploads",
            "image": IMAGE,
        }
    }


def post_body() -> dict[str, Any]:
    return {
        "id": SHARE,
        "author": ORGANIZATION,
        "commentary": "Conseil du jour",
        "visibility": "PUBLIC",
        "lifecycleState": "PUBLISHED",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "isReshareDisabledByAuthor": False,
    }


def install_happy_path(net: FakeNetwork) -> None:
    net.route("POST", r"/rest/images", Reply(200, initialize_upload(net)))
    net.route("PUT", r"/dms-uploads/.*", Reply(201))
    net.route("POST", r"/rest/posts", Reply(201, None, {"x-restli-id": SHARE}))
    net.route("GET", SHARE_PATH, Reply(200, post_body()))
    net.route("DELETE", SHARE_PATH, Reply(204))
    net.route(
        "GET",
        r"/rest/posts/.*",
        Reply(404, {"message": "Not Found", "serviceErrorCode": 0, "status": 404}),
    )


def check_published(net: FakeNetwork, result: PublishResult, alt_text: str) -> None:
    assert result.external_id == SHARE
    assert result.url == f"https://www.linkedin.com/feed/update/{SHARE}/"
    init = net.requests_to("POST", r"/rest/images")[0]
    assert init.query == "action=initializeUpload"
    assert init.json() == {"initializeUploadRequest": {"owner": ORGANIZATION}}
    assert net.requests_to("PUT", UPLOAD_PATH)[0].body.startswith(b"\x89PNG")
    created = net.requests_to("POST", r"/rest/posts")[-1]
    body = created.json()
    assert body["author"] == ORGANIZATION and body["visibility"] == "PUBLIC"
    assert body["lifecycleState"] == "PUBLISHED"
    assert body["content"] == {"media": {"id": IMAGE, "altText": alt_text}}
    assert created.headers["linkedin-version"] == API_VERSIONS["linkedin_org"]
    assert created.headers["x-restli-protocol-version"] == "2.0.0"
    assert created.headers["authorization"] == "Bearer tok"
