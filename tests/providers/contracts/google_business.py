"""Google Business Profile fixtures, from the digest shared/research/provider-apis.md §6.

LocalPost fields as in §6.2 (✅; ids and searchUrl values filled in where the digest elides
them); delete → ``{}`` (❓). Error bodies are Google canonical errors (§6.5 ✅): the 429 is the
digest's example, the others the same shape with the documented status names.
"""

from __future__ import annotations

from typing import Any

from tests.providers.fakenet import FakeNetwork, Recorded, Reply

from hygie.providers.base import Account, PublishResult
from hygie.providers.inbound import InboxPage, ReplyResult, ReplyTarget
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


# --- Review replies (digest §6.3 ✅: ``PUT …/reviews/{r}/reply`` with ``{"comment"}`` answers the
# ReviewReply ``{"comment", "updateTime"}``; ``GET …/reviews/{r}`` the Review with its
# ``reviewReply``). The review is the digest's example; its id is elided there (``AbFvOqn…``).
REVIEW_ID = "AbFvOqnQ2nQ1-n7ZpSOxDgbsgl8m"
REVIEW = f"{LOCATION}/reviews/{REVIEW_ID}"
REPLY_TIME = "2026-11-22T09:00:00Z"
REPLY_TARGETS = {"review": ReplyTarget(kind="review", external_id=REVIEW, thread_id=REVIEW)}
REPLY_CALLS = {"review": ("PUT", rf"/{V}/{REVIEW}/reply")}


def review(reply: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": REVIEW,
        "reviewId": REVIEW_ID,
        "reviewer": {"displayName": "Marie D.", "isAnonymous": False},
        "starRating": "FOUR",
        "comment": "Accueil très sympa.",
        "createTime": "2026-02-10T08:15:30.123456Z",
        "updateTime": "2026-02-10T08:15:30.123456Z",
    }
    if reply:
        found["reviewReply"] = {"comment": reply, "updateTime": REPLY_TIME}
    return found


def install_replies(net: FakeNetwork, *, answered_with: str = "") -> None:
    def put(recorded: Any) -> Reply:
        return Reply(200, {"comment": recorded.json()["comment"], "updateTime": REPLY_TIME})

    net.route("PUT", rf"/{V}/{REVIEW}/reply", put)
    net.route("GET", rf"/{V}/{REVIEW}", Reply(200, review(answered_with)))


def check_reply(net: FakeNetwork, kind: str, result: ReplyResult, text: str) -> None:
    sent = net.requests_to("PUT", rf"/{V}/{REVIEW}/reply")[-1]
    assert sent.json() == {"comment": text}
    assert sent.headers["authorization"] == "Bearer tok"
    assert result.external_id == f"{REVIEW}/reply@{REPLY_TIME}"


# --- inbox: reviews (digest §6.3 ✅: Review JSON; the list wrapper's fields are ❓) --------------

INBOX = ("GET", rf"/{V}/{LOCATION}/reviews")
REVIEW_NEW = {
    "name": f"{LOCATION}/reviews/AbFvOqn1",
    "reviewId": "AbFvOqn1",
    "reviewer": {
        "profilePhotoUrl": "https://lh3.googleusercontent.com/a-/photo",
        "displayName": "Marie D.",
        "isAnonymous": False,
    },
    "starRating": "FOUR",
    "comment": "Accueil très sympa.",
    "createTime": "2026-02-10T08:15:30.123456Z",
    "updateTime": "2026-02-10T08:15:30.123456Z",
}
REVIEW_ANONYMOUS = {
    "name": f"{LOCATION}/reviews/AbFvOqn2",
    "reviewId": "AbFvOqn2",
    "reviewer": {"isAnonymous": True},
    "starRating": "ONE",
    "createTime": "2026-02-09T18:00:00Z",
    "updateTime": "2026-02-09T18:00:00Z",
}
REVIEW_OLD = {
    "name": f"{LOCATION}/reviews/AbFvOqn3",
    "reviewId": "AbFvOqn3",
    "reviewer": {"displayName": "Paul R.", "isAnonymous": False},
    "starRating": "FIVE",
    "comment": "Toujours de bon conseil.",
    "createTime": "2026-01-02T10:00:00Z",
    "updateTime": "2026-01-02T10:00:00Z",
    "reviewReply": {"comment": "Merci Paul !", "updateTime": "2026-01-03T09:00:00Z"},
}
# A cursor older than every review: the poll follows nextPageToken to the end.
OLD_CURSOR = "2025-12-31T00:00:00Z"
ALL_COUNT = 3


def _reviews(request: Recorded) -> Reply:
    if "pageToken=page-2" in request.query:
        return Reply(200, {"reviews": [REVIEW_OLD], "averageRating": 3.3, "totalReviewCount": 3})
    return Reply(
        200,
        {
            "reviews": [REVIEW_NEW, REVIEW_ANONYMOUS],
            "averageRating": 3.3,
            "totalReviewCount": 3,
            "nextPageToken": "page-2",
        },
    )


def install_inbox(net: FakeNetwork) -> None:
    net.route("GET", rf"/{V}/{LOCATION}/reviews", _reviews)


def check_inbox(net: FakeNetwork, page: InboxPage) -> None:
    """The first poll: one page, newest first; the cursor is the newest updateTime."""
    assert [e.external_id for e in page.events] == [REVIEW_NEW["name"], REVIEW_ANONYMOUS["name"]]
    new, anonymous = page.events
    assert (new.kind, new.rating, new.text) == ("review", 4, "Accueil très sympa.")
    assert (new.author_name, new.author_id) == ("Marie D.", "Marie D.")
    assert new.thread_id == new.external_id
    assert new.extra == {
        "review_name": REVIEW_NEW["name"],
        "review_id": "AbFvOqn1",
        "star_rating": "FOUR",
    }
    assert new.received_at.isoformat() == "2026-02-10T08:15:30.123456+00:00"
    assert (anonymous.rating, anonymous.text) == (1, "")
    assert anonymous.author_id == "anonymous:AbFvOqn2"
    assert page.cursor == REVIEW_NEW["updateTime"]
    request = net.requests_to(*INBOX)[0]
    assert "orderBy=updateTime+desc" in request.query or "orderBy=updateTime%20desc" in (
        request.query
    )
    assert request.headers["authorization"] == "Bearer tok"
