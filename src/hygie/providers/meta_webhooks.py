"""Meta webhooks (Facebook pages, Instagram, WhatsApp Cloud API): signature, handshake, parsing.

Pure Python (no Django): the web view checks a request with ``signature_ok`` and
``handshake_challenge``, stores it, and a task later turns the stored body into normalised
events with ``parse_payload``.

References (digest: shared/research/provider-apis.md §1.5, §2.4 and §3.2):

* Verification handshake and ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app
  secret, lowercase hex): https://developers.facebook.com/docs/graph-api/webhooks/getting-started
  and fbsamples/graph-api-webhooks-samples. Always checked on the raw bytes, never on
  re-serialised JSON.
* Page ``feed`` changes (``item=comment``, ``verb=add``) and Messenger ``messaging[]`` events:
  https://developers.facebook.com/docs/graph-api/webhooks/reference/page/ and
  https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events/messages
* Instagram ``comments`` / ``live_comments`` changes and messaging:
  https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram (the Instagram
  Login variant may put ``field``/``value`` on the entry itself, without ``changes[]``).
* WhatsApp Cloud API ``WebhookPayload`` (OpenAPI ``business-messaging-api_v23.0.yaml``,
  ``POST /whatsapp/webhooks``): messages and statuses; timestamps are strings of epoch seconds.

Unknown fields are ignored. A message event without an id cannot be stored idempotently, so it
is reported in ``skipped`` instead of being guessed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# The ``object`` of a delivery and the network key (hygie.channels.models.Network) it feeds.
OBJECT_NETWORKS = {
    "page": "facebook_page",
    "instagram": "instagram",
    "whatsapp_business_account": "whatsapp",
}
# The Channel.settings key that holds each network's routing key.
ROUTING_SETTING = {
    "facebook_page": "page_id",
    "instagram": "ig_user_id",
    "whatsapp": "phone_number_id",
}

COMMENT = "comment"
DIRECT_MESSAGE = "direct_message"

SIGNATURE_HEADER = "X-Hub-Signature-256"
_MAX_CHALLENGE = 256
# WhatsApp message types whose content becomes the item's text (others are skipped, counted).
_WHATSAPP_MEDIA = ("image", "video", "document", "audio", "sticker")


class PayloadError(ValueError):
    """The body is not a Meta webhook delivery we know: not JSON, not an object, unknown kind."""


@dataclass(frozen=True)
class InboundEvent:
    """One message or comment received, in the shape ``do_ingest_item`` needs.

    ``route`` is the id the organisation's Channel is found by (page id, Instagram account id,
    WhatsApp phone_number_id). ``thread_id`` groups a conversation (the post of a comment, the
    other party of a direct conversation); ``parent_id`` is what this one answers.
    """

    network: str
    route: str
    kind: str
    external_id: str
    author_id: str
    author_name: str
    author_handle: str
    text: str
    received_at: datetime
    parent_id: str = ""
    thread_id: str = ""
    permalink: str = ""
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusEvent:
    """What happened to a message the organisation sent (WhatsApp ``statuses[]``)."""

    network: str
    route: str
    message_id: str
    status: str
    recipient_id: str
    at: datetime
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """Something in the delivery that looked like a message but could not be used."""

    network: str
    route: str
    where: str
    reason: str


@dataclass
class ParsedDelivery:
    object: str
    network: str
    events: list[InboundEvent] = field(default_factory=list)
    statuses: list[StatusEvent] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Not messages by nature: echoes of our own messages, delivery and read receipts,
    # reactions, edits, group notifications.
    ignored: int = 0


# --- signature and handshake --------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_problem(body: bytes, header: str | None, secret: str) -> str:
    """Why ``header`` does not prove that Meta sent ``body`` ("" when it does).

    Constant-time comparison of the lowercase hex digests.
    """
    if not secret:
        return "no app secret configured"
    if not header:
        return "missing X-Hub-Signature-256"
    algorithm, _, digest = header.strip().partition("=")
    if algorithm.lower() != "sha256" or not digest:
        return "malformed X-Hub-Signature-256"
    expected = sign(body, secret).encode("ascii")
    given = ("sha256=" + digest.strip().lower()).encode("utf-8", "replace")
    if not hmac.compare_digest(expected, given):
        return "signature mismatch"
    return ""


def signature_ok(body: bytes, header: str | None, secret: str) -> bool:
    return signature_problem(body, header, secret) == ""


def handshake_challenge(params: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo for a valid subscription handshake, or None to refuse it."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    given = params.get("hub.verify_token", "")
    if not hmac.compare_digest(given.encode("utf-8"), verify_token.encode("utf-8")):
        return None
    challenge = params.get("hub.challenge", "")
    if not challenge or len(challenge) > _MAX_CHALLENGE or not challenge.isprintable():
        return None
    return challenge


# --- decoding -----------------------------------------------------------------------------


def decode(body: bytes) -> dict[str, Any]:
    """The delivery's JSON object, checked only as far as routing needs (``object``, ``entry``)."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"invalid JSON ({exc.__class__.__name__})") from exc
    check_envelope(payload)
    return dict(payload)


def check_envelope(payload: Any) -> str:
    """The delivery's ``object``; PayloadError when it is not one this module reads."""
    if not isinstance(payload, dict):
        raise PayloadError("the body is not a JSON object")
    kind = payload.get("object")
    if kind not in OBJECT_NETWORKS:
        shown = kind if isinstance(kind, str) else type(kind).__name__
        raise PayloadError(f"unknown object {shown[:40]!r}")
    if not isinstance(payload.get("entry"), list):
        raise PayloadError("entry is not a list")
    return str(kind)


def parse_payload(payload: Any, *, received_at: datetime) -> ParsedDelivery:
    """Normalise a decoded delivery. ``received_at`` dates events that carry no time."""
    kind = check_envelope(payload)
    parsed = ParsedDelivery(object=kind, network=OBJECT_NETWORKS[kind])
    for index, entry in enumerate(payload["entry"]):
        where = f"entry[{index}]"
        if not isinstance(entry, dict):
            parsed.skipped.append(Skipped(parsed.network, "", where, "entry is not an object"))
            continue
        if kind == "whatsapp_business_account":
            _whatsapp_entry(parsed, entry, where, received_at)
        else:
            _graph_entry(parsed, entry, where, received_at)
    return parsed


# --- helpers ------------------------------------------------------------------------------


def _str(value: Any) -> str:
    """An id or a text as a string: Meta sends some ids as numbers."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def epoch_to_datetime(value: Any) -> datetime | None:
    """Seconds or milliseconds since the epoch (number or digit string), or an ISO 8601 time."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            try:
                # Graph style "2026-05-04T09:12:44+0000" as well as "…+00:00".
                stamp = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
            except ValueError:
                try:
                    stamp = datetime.fromisoformat(text)
                except ValueError:
                    return None
            return stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        value = number
    if not isinstance(value, int | float):
        return None
    seconds = value / 1000 if value > 100_000_000_000 else value  # Messenger: milliseconds
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _changes(entry: dict[str, Any]) -> Iterator[tuple[int | None, dict[str, Any]]]:
    """``entry.changes[]``, or the entry itself when it carries ``field``/``value`` directly."""
    if "changes" in entry:
        for n, change in enumerate(_list(entry.get("changes"))):
            yield n, _dict(change)
    elif "field" in entry and "value" in entry:
        yield None, entry


def _attachment_text(attachments: list[Any]) -> tuple[str, tuple[str, ...]]:
    kinds, urls = [], []
    for attachment in attachments:
        item = _dict(attachment)
        kinds.append(f"[{_str(item.get('type')) or 'attachment'}]")
        url = _str(_dict(item.get("payload")).get("url"))
        if url:
            urls.append(url)
    return " ".join(kinds), tuple(urls)


# --- Facebook pages and Instagram (Graph objects) -----------------------------------------


def _graph_entry(
    parsed: ParsedDelivery, entry: dict[str, Any], where: str, received_at: datetime
) -> None:
    route = _str(entry.get("id"))
    entry_time = epoch_to_datetime(entry.get("time")) or received_at
    for n, change in _changes(entry):
        at = f"{where}.changes[{n}]" if n is not None else where
        field_name = _str(change.get("field"))
        value = _dict(change.get("value"))
        if parsed.network == "facebook_page" and field_name == "feed":
            _page_feed(parsed, route, value, at, entry_time)
        elif parsed.network == "instagram" and field_name in ("comments", "live_comments"):
            _instagram_comment(parsed, route, value, at, entry_time)
        elif parsed.network == "instagram" and field_name == "messages":
            # Instagram Login: a messaging event wrapped as a change.
            _messaging(parsed, route, value, at, entry_time)
        else:
            parsed.ignored += 1
    for n, event in enumerate(_list(entry.get("messaging"))):
        _messaging(parsed, route, _dict(event), f"{where}.messaging[{n}]", entry_time)


def _page_feed(
    parsed: ParsedDelivery, route: str, value: dict[str, Any], where: str, default: datetime
) -> None:
    if value.get("item") != "comment" or value.get("verb") != "add":
        parsed.ignored += 1  # posts, reactions, edits, removals, hides…
        return
    author = _dict(value.get("from"))
    if route and _str(author.get("id")) == route:
        parsed.ignored += 1  # the page's own reply
        return
    comment_id = _str(value.get("comment_id"))
    if not comment_id:
        parsed.skipped.append(Skipped(parsed.network, route, where, "comment without comment_id"))
        return
    post = _dict(value.get("post"))
    post_id = _str(value.get("post_id")) or _str(post.get("id"))
    photo = _str(value.get("photo"))
    parsed.events.append(
        InboundEvent(
            network=parsed.network,
            route=route,
            kind=COMMENT,
            external_id=comment_id,
            author_id=_str(author.get("id")),
            author_name=_str(author.get("name")),
            author_handle="",
            text=_str(value.get("message")) or ("[photo]" if photo else ""),
            received_at=epoch_to_datetime(value.get("created_time")) or default,
            parent_id=_str(value.get("parent_id")) or post_id,
            thread_id=post_id,
            permalink=_str(post.get("permalink_url")),
            attachments=(photo,) if photo else (),
        )
    )


def _instagram_comment(
    parsed: ParsedDelivery, route: str, value: dict[str, Any], where: str, default: datetime
) -> None:
    author = _dict(value.get("from"))
    if route and _str(author.get("id")) == route:
        parsed.ignored += 1  # the account's own reply
        return
    comment_id = _str(value.get("id"))
    if not comment_id:
        parsed.skipped.append(Skipped(parsed.network, route, where, "comment without id"))
        return
    media_id = _str(_dict(value.get("media")).get("id"))
    username = _str(author.get("username"))
    parsed.events.append(
        InboundEvent(
            network=parsed.network,
            route=route,
            kind=COMMENT,
            external_id=comment_id,
            author_id=_str(author.get("id")),
            author_name=username,
            author_handle=username,
            text=_str(value.get("text")),
            received_at=epoch_to_datetime(value.get("timestamp")) or default,
            parent_id=_str(value.get("parent_id")) or media_id,
            thread_id=media_id,
        )
    )


def _messaging(
    parsed: ParsedDelivery, route: str, event: dict[str, Any], where: str, default: datetime
) -> None:
    message = event.get("message")
    if not isinstance(message, dict) or message.get("is_echo") or message.get("is_deleted"):
        parsed.ignored += 1  # delivery, read, reaction, postback, echo of our own message…
        return
    sender = _str(_dict(event.get("sender")).get("id"))
    route = route or _str(_dict(event.get("recipient")).get("id"))
    mid = _str(message.get("mid"))
    if not mid:
        parsed.skipped.append(Skipped(parsed.network, route, where, "message without mid"))
        return
    text = _str(message.get("text"))
    marker, urls = _attachment_text(_list(message.get("attachments")))
    parsed.events.append(
        InboundEvent(
            network=parsed.network,
            route=route,
            kind=DIRECT_MESSAGE,
            external_id=mid,
            author_id=sender,
            author_name="",
            author_handle="",
            text=text or marker,
            received_at=epoch_to_datetime(event.get("timestamp")) or default,
            parent_id=_str(_dict(message.get("reply_to")).get("mid")),
            thread_id=sender,
            attachments=urls,
        )
    )


# --- WhatsApp Cloud API -------------------------------------------------------------------


def _whatsapp_text(message: dict[str, Any]) -> str | None:
    """The words of a message a person wrote or chose; None for types we do not ingest."""
    kind = _str(message.get("type"))
    if kind == "text":
        return _str(_dict(message.get("text")).get("body"))
    if kind in _WHATSAPP_MEDIA:
        media = _dict(message.get(kind))
        return _str(media.get("caption")) or f"[{kind}]"
    if kind == "button":
        button = _dict(message.get("button"))
        return _str(button.get("text")) or _str(button.get("payload"))
    if kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get(_str(interactive.get("type"))))
        title, description = _str(reply.get("title")), _str(reply.get("description"))
        return (
            f"{title} — {description}" if title and description else title or _str(reply.get("id"))
        )
    return None


def _whatsapp_entry(
    parsed: ParsedDelivery, entry: dict[str, Any], where: str, received_at: datetime
) -> None:
    for n, change in _changes(entry):
        at = f"{where}.changes[{n}]" if n is not None else where
        value = _dict(change.get("value"))
        route = _str(_dict(value.get("metadata")).get("phone_number_id"))
        if change.get("field") != "messages":
            parsed.ignored += 1  # group lifecycle, settings, participants, account updates
            continue
        names = {
            _str(contact.get("wa_id")): _str(_dict(contact.get("profile")).get("name"))
            for contact in map(_dict, _list(value.get("contacts")))
        }
        for m, message in enumerate(map(_dict, _list(value.get("messages")))):
            _whatsapp_message(parsed, route, message, names, f"{at}.messages[{m}]", received_at)
        for s, status in enumerate(map(_dict, _list(value.get("statuses")))):
            message_id = _str(status.get("id"))
            if not message_id:
                parsed.skipped.append(
                    Skipped(parsed.network, route, f"{at}.statuses[{s}]", "status without id")
                )
                continue
            parsed.statuses.append(
                StatusEvent(
                    network=parsed.network,
                    route=route,
                    message_id=message_id,
                    status=_str(status.get("status")),
                    recipient_id=_str(status.get("recipient_id")),
                    at=epoch_to_datetime(status.get("timestamp")) or received_at,
                    errors=tuple(
                        f"{_str(e.get('code'))} {_str(e.get('title'))}".strip()
                        for e in map(_dict, _list(status.get("errors")))
                    ),
                )
            )
        for error in map(_dict, _list(value.get("errors"))):
            parsed.skipped.append(
                Skipped(
                    parsed.network,
                    route,
                    f"{at}.errors",
                    f"WhatsApp error {_str(error.get('code'))}: {_str(error.get('title'))}",
                )
            )


def _whatsapp_message(
    parsed: ParsedDelivery,
    route: str,
    message: dict[str, Any],
    names: dict[str, str],
    where: str,
    received_at: datetime,
) -> None:
    kind = _str(message.get("type"))
    if kind in ("reaction", "system"):
        parsed.ignored += 1
        return
    message_id = _str(message.get("id"))
    if not message_id:
        parsed.skipped.append(Skipped(parsed.network, route, where, "message without id"))
        return
    text = _whatsapp_text(message)
    if text is None:
        reason = f"message type {kind or '?'!s} is not ingested ({message_id})"
        parsed.skipped.append(Skipped(parsed.network, route, where, reason))
        return
    wa_id = _str(message.get("from"))
    name = names.get(wa_id) or (next(iter(names.values())) if len(names) == 1 else "")
    media = _dict(message.get(kind)) if kind in _WHATSAPP_MEDIA else {}
    parsed.events.append(
        InboundEvent(
            network=parsed.network,
            route=route,
            kind=DIRECT_MESSAGE,
            external_id=message_id,
            author_id=wa_id,
            author_name=name,
            author_handle=wa_id,
            text=text,
            received_at=epoch_to_datetime(message.get("timestamp")) or received_at,
            parent_id=_str(_dict(message.get("context")).get("id")),
            thread_id=wa_id,
            attachments=(f"whatsapp-media:{_str(media.get('id'))}",) if media.get("id") else (),
        )
    )
