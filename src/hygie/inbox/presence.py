"""Who is writing a reply to a conversation right now (the collision warning).

A member with the reply box open refreshes their mark every 20 seconds; a mark not refreshed
for two minutes is gone. Marks live in the cache shared by the web processes (the file cache of
one machine, or Redis): they are fleeting by design, so they are not rows and are not audited
(a heartbeat every 20 seconds would drown the audit trail and lock its chain head).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from hygie.accounts.models import User

PRESENCE_SECONDS = 120
REFRESH_SECONDS = 20


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    since: datetime


def _index_key(conversation_id: int) -> str:
    return f"hygie:inbox:replying:{conversation_id}"


def _user_key(conversation_id: int, user_id: int) -> str:
    return f"hygie:inbox:replying:{conversation_id}:{user_id}"


def mark_replying(conversation_id: int, user: User) -> Presence:
    """Record (or refresh) that ``user`` is writing a reply; returns the mark."""
    key = _user_key(conversation_id, user.pk)
    stored = cache.get(key)
    since = (
        datetime.fromisoformat(stored["since"])
        if isinstance(stored, dict) and "since" in stored
        else timezone.now()
    )
    name = user.get_full_name() or user.get_short_name()
    cache.set(key, {"name": name, "since": since.isoformat()}, PRESENCE_SECONDS)
    # The index may lose a concurrent writer's id; that writer puts it back at its next refresh.
    members = set(cache.get(_index_key(conversation_id)) or ())
    members.add(user.pk)
    cache.set(_index_key(conversation_id), sorted(members), PRESENCE_SECONDS)
    return Presence(user.pk, name, since)


def stop_replying(conversation_id: int, user: User) -> None:
    cache.delete(_user_key(conversation_id, user.pk))


def others_replying(conversation_id: int, user: User) -> list[Presence]:
    """The marks of the members other than ``user``, earliest first."""
    ids = [uid for uid in cache.get(_index_key(conversation_id)) or () if uid != user.pk]
    if not ids:
        return []
    found = cache.get_many([_user_key(conversation_id, uid) for uid in ids])
    marks = []
    for uid in ids:
        value = found.get(_user_key(conversation_id, uid))
        if isinstance(value, dict):
            marks.append(Presence(uid, value["name"], datetime.fromisoformat(value["since"])))
    return sorted(marks, key=lambda p: p.since)
