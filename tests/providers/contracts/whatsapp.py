"""WhatsApp Cloud API fixtures, from Meta's OpenAPI document (tests/peers/specs/
whatsapp-business-messaging-v23.yaml, ``sendMessage``) and the digest §3.

The success answer is the spec's example; error bodies have the spec's ``GraphAPIError`` shape
(``error.message, type, code, error_data.details, fbtrace_id``) with the codes of the digest's
§3.4 (meanings ⚠ from secondary sources). The same requests are validated against the document
itself by Prism in tests/peers/test_whatsapp_prism.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.providers.fakenet import FakeNetwork, Reply

from hygie.providers.base import Account
from hygie.providers.inbound import ReplyResult, ReplyTarget
from hygie.providers.versions import API_VERSIONS

KIND = "whatsapp"
V = re.escape(API_VERSIONS[KIND])
PHONE_NUMBER_ID = "106540352242922"
WA_ID = "16505551234"
INBOUND_ID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
ANSWER_ID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA"
SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": WA_ID, "wa_id": WA_ID}],
    "messages": [{"id": ANSWER_ID, "message_status": "accepted"}],
}


def wa_error(code: int, message: str, details: str = "") -> Any:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details or message},
            "fbtrace_id": "AbCdEfGhWa12",
        }
    }


ERROR_BODIES: dict[int, Any] = {
    401: wa_error(190, "Error validating access token: Session has expired."),
    429: wa_error(130429, "(#130429) Rate limit hit", "Cloud API message throughput reached."),
    500: wa_error(131000, "(#131000) Something went wrong", "Something went wrong."),
}
RE_ENGAGEMENT = wa_error(
    131047,
    "(#131047) Re-engagement message",
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number.",
)


def account(base_url: str, **settings: Any) -> Account:
    return Account(
        handle="+33 1 23 45 67 89",
        credentials={"access_token": "wa-tok"},
        settings={"phone_number_id": PHONE_NUMBER_ID, **settings},
        base_url=base_url,
    )


def target(last_inbound_at: datetime | None = None) -> ReplyTarget:
    return ReplyTarget(
        kind="direct_message",
        external_id=INBOUND_ID,
        thread_id=WA_ID,
        author_id=WA_ID,
        last_inbound_at=last_inbound_at or datetime.now(UTC) - timedelta(hours=1),
    )


REPLY_TARGETS = {"direct_message": target()}
REPLY_CALLS = {"direct_message": ("POST", rf"/{V}/{PHONE_NUMBER_ID}/messages")}


def install_replies(net: FakeNetwork, *, answered_with: str = "") -> None:
    net.route("POST", rf"/{V}/{PHONE_NUMBER_ID}/messages", Reply(200, SENT))


def check_reply(net: FakeNetwork, kind: str, result: ReplyResult, text: str) -> None:
    sent = net.requests_to("POST", rf"/{V}/{PHONE_NUMBER_ID}/messages")[-1]
    assert sent.headers["authorization"] == "Bearer wa-tok"
    # The document's User-Agent pattern (components.parameters.UserAgent).
    assert re.fullmatch(r"[a-zA-Z0-9\-_]+/[0-9]+\.[0-9]+\.[0-9]+", sent.headers["user-agent"])
    assert sent.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "text",
        "text": {"body": text, "preview_url": False},
        "context": {"message_id": INBOUND_ID},
    }
    assert result.external_id == ANSWER_ID and result.sent_text == ""
