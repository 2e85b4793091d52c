"""Answering a Google review: the review's one reply, created or replaced.

Reference (digest shared/research/provider-apis.md §6.3; My Business API v4
``accounts.locations.reviews``): ``PUT …/locations/{l}/reviews/{r}/reply`` with
``{"comment": …}`` answers the ReviewReply ``{"comment", "updateTime"}``. A review has at most
one reply and PUT replaces it, so sending the same reply twice leaves one reply: retrying after
an unknown outcome is harmless (``idempotent_reply``). A reply is at most 4,096 bytes.

The item answered is the review, by its resource name (``accounts/…/locations/…/reviews/…``)
or by its ``reviewId`` under the channel's location.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hygie.providers.errors import Rejected
from hygie.providers.inbound import ReplyResult, ReplyTarget, Unsupported
from hygie.providers.text import LengthRule, utf8_len
from hygie.providers.versions import API_VERSIONS

if TYPE_CHECKING:
    from hygie.providers.google_business.provider import GoogleBusinessProvider

V = API_VERSIONS["google_business"]
KINDS = frozenset({"review"})
MAX_BYTES = 4096
LENGTH = LengthRule(MAX_BYTES, "characters", max_bytes=MAX_BYTES)


def review_name(provider: GoogleBusinessProvider, target: ReplyTarget) -> str:
    review = target.external_id.strip("/")
    if "/reviews/" in review:
        return review
    if not review or "/" in review:
        raise Rejected(f"Google: {target.external_id!r} is not a review")
    return f"{provider.location}/reviews/{review}"


def reply(provider: GoogleBusinessProvider, target: ReplyTarget, text: str) -> ReplyResult:
    if target.kind not in KINDS:
        raise Unsupported("Google Business Profile: only reviews are answered")
    if utf8_len(text) > MAX_BYTES:
        raise Rejected(f"Google takes a review reply of {MAX_BYTES} bytes at most.")
    name = review_name(provider, target)
    answer = provider.call(
        "PUT", f"/{V}/{name}/reply", write=True, headers=provider._auth(), json={"comment": text}
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    if "comment" not in data:
        raise Rejected(f"unexpected answer from Google: {str(data)[:200]}")
    # One reply per review, replaced by each PUT: its version (updateTime) tells them apart.
    return ReplyResult(f"{name}/reply@{data.get('updateTime') or ''}")


def find_reply(
    provider: GoogleBusinessProvider, target: ReplyTarget, text: str
) -> ReplyResult | None:
    """The review's reply, if it is this text (``GET …/reviews/{r}``)."""
    name = review_name(provider, target)
    answer = provider.call_unless_gone("GET", f"/{V}/{name}", headers=provider._auth())
    review = answer.data if answer is not None and isinstance(answer.data, dict) else {}
    current = review.get("reviewReply") or {}
    if " ".join(str(current.get("comment") or "").split()) != " ".join(text.split()):
        return None
    return ReplyResult(f"{name}/reply@{current.get('updateTime') or ''}")
