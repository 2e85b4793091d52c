"""Google Business Profile fixtures, from the digest shared/research/provider-apis.md §6.

LocalPost fields as in §6.2 (✅; ids and searchUrl values filled in where the digest elides
them); delete → ``{}`` (❓). Error bodies are Google canonical errors (§6.5 ✅): the 429 is the
digest's example, the others the same shape with the documented status names.
"""

from __future__ import annotations

from typing import Any

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account, PublishResult
from hygie.providers.versions import API_VERSIONS

V = API_VERSIONS["google_business"]
KIND = "google_business"
LOCATION = "accounts/111/locations/222"
PUBLISH = ("POST", rf"/{V}/{LOCATION}/localPosts")
IMAGE_URL = "https://cdn.pharmacie-alpha.example/media/affiche.png"


def canonical(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


ERROR_BODIES: dict[int, Any] = {
    400: canonical(400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: canonical(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential.",
    ),
    403: canonical(403, "PERMISSION_DENIED", "The caller does not have permission"),
    429: {
        "error": {
            "code": 429,
            "message": "Quota exceeded for quota metric 'Requests'",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com",
                }
            ],
        }
    },
    500: canonical(500, "INTERNAL", "Internal error encountered."),
    503: canonical(503, "UNAVAILABLE", "The service is currently unavailable."),
}

NAME = f"{LOCATION}/localPosts/333"
LOCAL_POST = {
    "name": NAME,
    "languageCode": "fr",
    "summary": "Vaccination grippe : sans rendez-vous le matin.",
    "createTime": "2026-03-01T10:00:00.123Z",
    "updateTime": "2026-03-01T10:00:00.123Z",
    "state": "LIVE",
    "media": [{"mediaFormat": "PHOTO", "sourceUrl": IMAGE_URL}],
    "searchUrl": "https://local.google.com/place?id=9876543210&use=posts&lpsid=333",
    "topicType": "STANDARD",
}


def account(base_url: str) -> Account:
    return Account(
        handle="Pharmacie Alpha",
        credentials={
            "access_token": "tok",
            "refresh_token": "refresh-1",
            "client_id": "client-id.apps.googleusercontent.com",
            "client_secret": "client-secret",
        },
        settings={"location": LOCATION, "media_urls": {"affiche.png": IMAGE_URL}},
        base_url=base_url,
    )


def install_happy_path(net: FakeNetwork) -> None:
    net.route("POST", rf"/{V}/{LOCATION}/localPosts", Reply(200, LOCAL_POST))
    net.route("GET", rf"/{V}/{NAME}", Reply(200, LOCAL_POST))
    net.route("DELETE", rf"/{V}/{NAME}", Reply(200, {}))
    net.route(
        "GET",
        rf"/{V}/{LOCATION}/localPosts/\d+",
        Reply(404, canonical(404, "NOT_FOUND", "Requested entity was not found.")),
    )


def check_published(net: FakeNetwork, result: PublishResult, alt_text: str) -> None:
    assert result.external_id == NAME
    assert result.url == LOCAL_POST["searchUrl"]
    created = net.requests_to("POST", rf"/{V}/{LOCATION}/localPosts")[-1]
    body = created.json()
    assert body["topicType"] == "STANDARD" and body["languageCode"] == "fr"
    assert body["media"] == [{"mediaFormat": "PHOTO", "sourceUrl": IMAGE_URL}]
    assert body["summary"].startswith("Vaccination grippe")
    assert created.headers["authorization"] == "Bearer tok"
    # Google has no alt text for local post photos: the description stays in Hygie.
    assert alt_text not in created.body.decode()
