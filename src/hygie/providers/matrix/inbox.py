"""Receiving Matrix direct messages by polling ``/sync``.

Hygie joins every room the account is invited to (someone opening a conversation with the
pharmacy) and lists it in the account's ``m.direct`` data, as Matrix clients do for direct
chats; the messages of the rooms listed there become ``direct_message`` events, one
conversation per room (``thread_id`` = the room id). Messages of other rooms the account sits
in (joined by hand from a client) are left alone.

The cursor is the ``next_batch`` token of the last sync. The first poll (no cursor) brings the
last messages of each room (``TIMELINE_LIMIT``); later polls bring what happened since. A room
whose timeline is ``limited`` (more messages than the limit since the last poll) is read back
with ``/messages`` from its ``prev_batch`` until the previous sync token, so nothing is lost
between polls.

End-to-end encrypted messages cannot be read by Hygie: they arrive as a placeholder text saying
so, and a member answers from a Matrix client.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hygie.providers.errors import Rejected
from hygie.providers.inbound import InboundEvent, InboxPage
from hygie.providers.matrix.api import CLIENT, segment

if TYPE_CHECKING:
    from hygie.providers.matrix.provider import MatrixProvider

TIMELINE_LIMIT = 50
# Syncs in one poll: the first, and one more when invites were joined (their messages).
MAX_SYNCS = 2
# /messages pages read back for a limited timeline, 100 events each.
BACKFILL_PAGES = 5
ENCRYPTED_TEXT = (
    "(End-to-end encrypted message: Hygie cannot read it. Answer from a Matrix client.)"
)
_MEDIA = {"m.image": "image", "m.file": "file", "m.audio": "audio", "m.video": "video"}
FILTER = {
    "room": {
        "timeline": {"limit": TIMELINE_LIMIT},
        "state": {"types": ["m.room.member"], "lazy_load_members": True},
        "ephemeral": {"types": []},
        "account_data": {"types": []},
    },
    "presence": {"types": []},
    "account_data": {"types": ["m.direct"]},
}


def fetch_inbox(provider: MatrixProvider, cursor: str = "") -> InboxPage:
    headers = provider._auth()
    me = provider.user_id
    direct = _direct_rooms(provider)
    events: list[InboundEvent] = []
    seen: set[str] = set()
    since = cursor
    for _sync in range(MAX_SYNCS):
        params: dict[str, Any] = {"timeout": 0, "filter": json.dumps(FILTER)}
        if since:
            params["since"] = since
        data = provider.call("GET", f"{CLIENT}/sync", headers=headers, params=params).data or {}
        if not data.get("next_batch"):
            raise Rejected("Matrix: /sync answered without next_batch")
        rooms = data.get("rooms") or {}
        joined = _accept_invites(provider, rooms.get("invite") or {}, direct)
        for room_id, room in (rooms.get("join") or {}).items():
            if room_id not in direct.rooms:
                continue
            timeline = room.get("timeline") or {}
            room_events = list(timeline.get("events") or [])
            if timeline.get("limited") and since and timeline.get("prev_batch"):
                room_events = _backfill(provider, room_id, timeline["prev_batch"], since) + (
                    room_events
                )
            names = _display_names(room)
            for raw in room_events:
                event = _event(provider, room_id, raw, names, me)
                if event is not None and event.external_id not in seen:
                    seen.add(event.external_id)
                    events.append(event)
        since = str(data["next_batch"])
        if not joined:
            break
    return InboxPage(events=events, cursor=since)


class _Direct:
    """The account's ``m.direct`` data: {user id: [room ids]}, and the set of its rooms."""

    def __init__(self, content: dict[str, Any]) -> None:
        self.content = {
            str(user): [str(room) for room in rooms]
            for user, rooms in content.items()
            if isinstance(rooms, list)
        }
        self.rooms = {room for rooms in self.content.values() for room in rooms}


def _direct_rooms(provider: MatrixProvider) -> _Direct:
    answer = provider.call_unless_gone(
        "GET",
        f"{CLIENT}/user/{segment(provider.user_id)}/account_data/m.direct",
        headers=provider._auth(),
    )
    content = answer.data if answer is not None and isinstance(answer.data, dict) else {}
    return _Direct(content)


def _accept_invites(
    provider: MatrixProvider, invites: dict[str, Any], direct: _Direct
) -> list[str]:
    """Join each invited room and list it in m.direct under the person who invited us."""
    if not invites:
        return []
    joined: list[str] = []
    for room_id, room in invites.items():
        inviter = ""
        for state in (room.get("invite_state") or {}).get("events") or []:
            if (
                state.get("type") == "m.room.member"
                and state.get("state_key") == provider.user_id
                and (state.get("content") or {}).get("membership") == "invite"
            ):
                inviter = str(state.get("sender") or "")
        try:
            provider.call(
                "POST", f"{CLIENT}/join/{segment(room_id)}", headers=provider._auth(), json={}
            )
        except Rejected:
            continue  # the invite was withdrawn, or the room is gone
        joined.append(room_id)
        if room_id not in direct.rooms:
            direct.content.setdefault(inviter or room_id, []).append(room_id)
            direct.rooms.add(room_id)
    if joined:
        provider.call(
            "PUT",
            f"{CLIENT}/user/{segment(provider.user_id)}/account_data/m.direct",
            headers=provider._auth(),
            json=direct.content,
        )
    return joined


def _backfill(
    provider: MatrixProvider, room_id: str, prev_batch: str, since: str
) -> list[dict[str, Any]]:
    """The events of a room between the last poll (``since``) and a limited timeline's start."""
    found: list[dict[str, Any]] = []
    token = prev_batch
    for _page in range(BACKFILL_PAGES):
        data = (
            provider.call(
                "GET",
                f"{CLIENT}/rooms/{segment(room_id)}/messages",
                headers=provider._auth(),
                params={"from": token, "to": since, "dir": "b", "limit": 100},
            ).data
            or {}
        )
        chunk = list(data.get("chunk") or [])
        found.extend(chunk)
        if not chunk or not data.get("end"):
            break
        token = str(data["end"])
    return list(reversed(found))  # /messages backwards: newest first


def _display_names(room: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    state = (room.get("state") or {}).get("events") or []
    timeline = (room.get("timeline") or {}).get("events") or []
    for event in _members(list(state) + list(timeline)):
        name = (event.get("content") or {}).get("displayname")
        if isinstance(name, str) and name.strip():
            names[str(event.get("state_key"))] = name.strip()
    return names


def _members(events: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    return (e for e in events if e.get("type") == "m.room.member" and e.get("state_key"))


def _text(event: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """The text of a message event and its attachments (mxc:// URIs); None: not a message."""
    if event.get("type") == "m.room.encrypted":
        return ENCRYPTED_TEXT, ()
    if event.get("type") != "m.room.message":
        return None
    content = event.get("content") or {}
    relation = content.get("m.relates_to") or {}
    if relation.get("rel_type") == "m.replace" and isinstance(content.get("m.new_content"), dict):
        content = content["m.new_content"]  # an edit: the new text
    body = content.get("body")
    if not isinstance(body, str):
        return None  # redacted
    media = _MEDIA.get(str(content.get("msgtype")))
    if media:
        url = content.get("url")
        return f"[{media}] {body}", ((url,) if isinstance(url, str) else ())
    return body, ()


def _event(
    provider: MatrixProvider,
    room_id: str,
    raw: dict[str, Any],
    names: dict[str, str],
    me: str,
) -> InboundEvent | None:
    sender = str(raw.get("sender") or "")
    event_id = str(raw.get("event_id") or "")
    if not sender or not event_id or sender == me:
        return None  # our own messages are recorded when Hygie sends them
    found = _text(raw)
    if found is None:
        return None
    text, attachments = found
    content = raw.get("content") or {}
    relation = content.get("m.relates_to") or {}
    parent = (relation.get("m.in_reply_to") or {}).get("event_id") or (
        relation.get("event_id") if relation.get("rel_type") == "m.replace" else ""
    )
    stamp = raw.get("origin_server_ts")
    received_at = (
        datetime.fromtimestamp(stamp / 1000, tz=UTC)
        if isinstance(stamp, int | float)
        else datetime.now(UTC)
    )
    name = names.get(sender) or _profile_name(provider, sender, names)
    return InboundEvent(
        network="matrix",
        route="",
        kind="direct_message",
        external_id=event_id,
        author_id=sender,
        author_name=name,
        author_handle=sender,
        text=text,
        received_at=received_at,
        parent_id=str(parent or ""),
        thread_id=room_id,
        permalink=f"https://matrix.to/#/{room_id}/{event_id}",
        attachments=attachments,
        extra={"room_id": room_id, "event_id": event_id},
    )


def _profile_name(provider: MatrixProvider, user_id: str, names: dict[str, str]) -> str:
    """The sender's display name from their profile (asked once per poll), else the localpart."""
    fallback = user_id.split(":", 1)[0].lstrip("@") or user_id
    try:
        answer = provider.call_unless_gone(
            "GET", f"{CLIENT}/profile/{segment(user_id)}/displayname", headers=provider._auth()
        )
    except Rejected:
        answer = None
    name = (answer.data or {}).get("displayname") if answer is not None else None
    names[user_id] = name.strip() if isinstance(name, str) and name.strip() else fallback
    return names[user_id]
