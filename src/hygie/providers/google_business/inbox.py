"""Receiving Google reviews by polling the location's reviews (My Business API v4).

Reference (digest shared/research/provider-apis.md §6.3): ``GET …/locations/{l}/reviews`` with
``pageSize``, ``pageToken`` and ``orderBy=updateTime desc`` answers ``{"reviews": […],
"nextPageToken"}``; a Review has ``name``, ``reviewId``, ``reviewer {displayName,
isAnonymous}``, ``starRating`` (``ONE``…``FIVE``), ``comment`` (absent for a rating alone),
``createTime``, ``updateTime`` and our ``reviewReply``.

Each review is one ``review`` event, keyed by its resource name (what answering it needs), in
its own conversation. The cursor is the newest ``updateTime`` seen: a poll reads pages, most
recently updated first, until it meets reviews older than the cursor (at most ``MAX_PAGES``);
the first poll reads one page. A review edited after it was stored is not stored again (the
inbox keeps the first version). The API gives no id for a reviewer: the author is known by
their display name, and anonymous reviewers each by their review.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hygie.providers.inbound import InboundEvent, InboxPage
from hygie.providers.versions import API_VERSIONS

if TYPE_CHECKING:
    from hygie.providers.google_business.provider import GoogleBusinessProvider

V = API_VERSIONS["google_business"]
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
PAGE_SIZE = 50
MAX_PAGES = 10


def fetch_inbox(provider: GoogleBusinessProvider, cursor: str = "") -> InboxPage:
    from hygie.providers.google_business.provider import parse_google_time

    location = provider.location
    since = parse_google_time(cursor) if cursor else None
    newest, newest_text = since, cursor
    events: list[InboundEvent] = []
    params: dict[str, Any] = {"pageSize": PAGE_SIZE, "orderBy": "updateTime desc"}
    for _page in range(MAX_PAGES):
        data = (
            provider.call(
                "GET", f"/{V}/{location}/reviews", headers=provider._auth(), params=params
            ).data
            or {}
        )
        reviews = [r for r in data.get("reviews") or [] if isinstance(r, dict)]
        reached_known = False
        for review in reviews:
            updated = parse_google_time(str(review.get("updateTime") or ""))
            if updated is None:
                continue
            if since is not None and updated < since:
                reached_known = True
                break
            if newest is None or updated > newest:
                newest, newest_text = updated, str(review["updateTime"])
            event = _event(review, updated)
            if event is not None:
                events.append(event)
        token = data.get("nextPageToken")
        if reached_known or since is None or not reviews or not token:
            break
        params = {**params, "pageToken": token}
    return InboxPage(events=events, cursor=newest_text or "")


def _event(review: dict[str, Any], updated: Any) -> InboundEvent | None:
    from hygie.providers.google_business.provider import parse_google_time

    name = str(review.get("name") or "").strip("/")
    if "/reviews/" not in name:
        return None
    review_id = str(review.get("reviewId") or name.rsplit("/", 1)[-1])
    reviewer = review.get("reviewer") or {}
    anonymous = bool(reviewer.get("isAnonymous")) or not reviewer.get("displayName")
    author_name = "" if anonymous else str(reviewer.get("displayName")).strip()
    star = str(review.get("starRating") or "")
    return InboundEvent(
        network="google_business",
        route="",
        kind="review",
        external_id=name,
        author_id=f"anonymous:{review_id}" if anonymous else author_name,
        author_name=author_name or "Google user",
        author_handle="",
        text=str(review.get("comment") or ""),
        received_at=parse_google_time(str(review.get("createTime") or "")) or updated,
        thread_id=name,
        rating=STARS.get(star),
        extra={"review_name": name, "review_id": review_id, "star_rating": star},
    )
