"""Answering a Matrix direct message: an ``m.room.message`` in the same room, as a reply.

``PUT /rooms/{roomId}/send/m.room.message/{txnId}`` with ``txnId`` = the idempotency key: the
homeserver keeps each transaction id of an access token and answers a second request with the
first event, so a retry after a lost answer cannot post the message twice. The reply relation
(``m.relates_to.m.in_reply_to``) points at the message answered; the room comes from the item's
``extra["room_id"]`` (else its thread, which is the room).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hygie.providers.errors import Rejected
from hygie.providers.inbound import ReplyResult, ReplyTarget, Unsupported
from hygie.providers.matrix.api import CLIENT, segment

if TYPE_CHECKING:
    from hygie.providers.matrix.provider import MatrixProvider


def reply(
    provider: MatrixProvider, target: ReplyTarget, text: str, *, idempotency_key: str
) -> ReplyResult:
    if target.kind != "direct_message":
        raise Unsupported("Matrix: only direct messages are answered")
    room_id = target.extra.get("room_id") or target.thread_id
    if not room_id.startswith("!"):
        raise Rejected(f"Matrix: {room_id!r} is not a room id")
    content: dict[str, object] = {"msgtype": "m.text", "body": text}
    event_id = target.extra.get("event_id") or target.external_id
    if event_id.startswith("$"):
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": event_id}}
    answer = provider.call(
        "PUT",
        f"{CLIENT}/rooms/{segment(room_id)}/send/m.room.message/{segment(idempotency_key)}",
        write=True,
        headers=provider._auth(),
        json=content,
    )
    sent = str((answer.data or {}).get("event_id") or "")
    if not sent:
        raise Rejected(f"Matrix: unexpected answer {str(answer.data)[:200]}")
    return ReplyResult(sent, f"https://matrix.to/#/{room_id}/{sent}")
