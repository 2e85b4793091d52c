"""Answering on WhatsApp: a text inside the customer-service window, a template outside it.

Reference: ``sendMessage``, ``POST /{Version}/{Phone-Number-ID}/messages`` of Meta's OpenAPI
document (tests/peers/specs/whatsapp-business-messaging-v23.yaml), digest §3.1 and §3.3.

* Within 24 hours of the person's last message (the customer-service window) a text message
  answers it: ``type: text`` with ``context.message_id``, the message answered, so WhatsApp
  shows it as a reply.
* Later, only an approved template may be sent. The organisation chooses it in the inbox
  settings (account settings ``whatsapp_template``, ``whatsapp_template_language``, and
  ``whatsapp_template_text``: put the reply, on one line, in the body's first variable
  ``{{1}}``). Without one the reply is refused before anything is sent.

The answer is ``{"messaging_product", "contacts": [...], "messages": [{"id": "wamid…"}]}``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hygie import __version__
from hygie.providers.errors import OutcomeUnknown, Rejected
from hygie.providers.inbound import ReplyResult, ReplyTarget, Unsupported

if TYPE_CHECKING:
    from hygie.providers.whatsapp.provider import WhatsAppProvider

KINDS = frozenset({"direct_message"})
# The document's ``User-Agent`` parameter: ``name/x.y.z`` (pattern of components.parameters).
USER_AGENT = f"Hygie/{__version__}"
WINDOW = timedelta(hours=24)
# The message must reach WhatsApp before the window closes: keep a margin for the queue.
MARGIN = timedelta(minutes=2)
# Template variables take one line (no newline or tab, at most 4 spaces in a row, digest ⚠).
MAX_PARAMETER = 1024


def window_open(last_inbound_at: datetime | None, now: datetime | None = None) -> bool:
    """True while a free-form text may still be sent (24 hours from the person's last message)."""
    if last_inbound_at is None:
        return False
    now = now or datetime.now(UTC)
    return now < last_inbound_at + WINDOW - MARGIN


def one_line(text: str) -> str:
    return " ".join(text.split())


def template_settings(settings: dict[str, Any]) -> tuple[str, str, bool] | None:
    """(name, language, put the text in {{1}}) of the organisation's template, if chosen."""
    name = str(settings.get("whatsapp_template") or "").strip()
    if not name:
        return None
    language = str(settings.get("whatsapp_template_language") or "fr").strip() or "fr"
    return name, language, bool(settings.get("whatsapp_template_text"))


def message(
    target: ReplyTarget, text: str, settings: dict[str, Any], now: datetime | None = None
) -> tuple[dict[str, Any], str]:
    """The ``sendMessage`` body answering ``target``, and the text the person will read."""
    recipient = target.author_id or target.thread_id
    if not recipient:
        raise Rejected("WhatsApp: the person to answer has no number")
    base: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient,
    }
    if window_open(target.last_inbound_at, now):
        body = {**base, "type": "text", "text": {"body": text, "preview_url": False}}
        if target.external_id:
            body["context"] = {"message_id": target.external_id}
        return body, text
    template = template_settings(settings)
    if template is None:
        raise Rejected(
            "More than 24 hours have passed since the person last wrote and no WhatsApp "
            "template is chosen in the inbox settings: WhatsApp only delivers a template now."
        )
    name, language, with_text = template
    spec: dict[str, Any] = {"name": name, "language": {"policy": "deterministic", "code": language}}
    shown = f"[{name}]"
    if with_text:
        parameter = one_line(text)
        if len(parameter) > MAX_PARAMETER:
            raise Rejected(
                f"Outside the 24-hour window the reply goes in a template variable, "
                f"{MAX_PARAMETER} characters at most."
            )
        spec["components"] = [{"type": "body", "parameters": [{"type": "text", "text": parameter}]}]
        shown = f"[{name}] {parameter}"
    return {**base, "type": "template", "template": spec}, shown


def reply(provider: WhatsAppProvider, target: ReplyTarget, text: str) -> ReplyResult:
    if target.kind not in KINDS:
        raise Unsupported("WhatsApp: only messages are answered")
    body, shown = message(target, text, provider.account.settings)
    answer = provider.call(
        "POST",
        provider._path(provider.phone_number_id, "messages"),
        write=True,
        headers={**provider._auth(), "User-Agent": USER_AGENT},
        json=body,
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    sent = data.get("messages") or []
    first = sent[0] if sent and isinstance(sent[0], dict) else {}
    if not first.get("id"):
        raise OutcomeUnknown(f"WhatsApp answered without a message id: {str(data)[:200]}")
    return ReplyResult(str(first["id"]), sent_text="" if shown == text else shown)
