"""WhatsApp Business Platform (Cloud API): answering the people who write to a business number.

Reference: Meta's OpenAPI document of the Cloud API (facebook/openapi
``business-messaging-api_v23.0.yaml``, copied for the tests in tests/peers/specs/), digest
shared/research/provider-apis.md §3. Messages arrive by webhook (providers/meta_webhooks.py);
this provider answers them (replies.py). A WhatsApp channel does not publish posts.

Settings: ``phone_number_id`` (the business number messages are sent from and webhooks are
routed by). Credentials: ``access_token``, a system-user token (Bearer); it does not expire
unless revoked, so there is no refresh: a refused token means reconnecting. Errors are Graph
error objects with WhatsApp codes (``classify_whatsapp``).
"""

from __future__ import annotations

from datetime import datetime

import httpx

from hygie.providers.base import Capability, Limits, OutboundPost, PublishResult
from hygie.providers.errors import AuthExpired, ProviderError, RateLimited, Rejected, Transient
from hygie.providers.http import parse_retry_after
from hygie.providers.inbound import ReplyResult, ReplyTarget
from hygie.providers.meta_graph import MetaGraphProvider, classify_graph, graph_error
from hygie.providers.text import LengthRule
from hygie.providers.versions import API_VERSIONS
from hygie.providers.whatsapp import replies

# WhatsApp's own error codes (digest §3.4, secondary sources ⚠ unless the spec names them).
REJECTED = {
    131047: "More than 24 hours have passed since the person last wrote: only a template "
    "message can reach them now (set one in the inbox settings).",
    131026: "WhatsApp could not deliver the message (the number is not on WhatsApp, or its "
    "application is too old).",
    131051: "WhatsApp does not support this type of message.",
    131008: "A parameter WhatsApp requires is missing.",
    131009: "A parameter's value is not valid for WhatsApp.",
    132000: "The template's parameters do not match the template (check the inbox settings).",
    132001: "The template does not exist in this language (check the inbox settings).",
    132005: "The template's text is too long once filled in.",
    132007: "The template breaks WhatsApp's content policy.",
    132012: "The template's parameters are not in the expected format.",
    132015: "The template is paused for low quality.",
    132016: "The template is disabled for low quality.",
    133010: "The business number is not registered with the Cloud API.",
}
# Throughput of the number (130429), same recipient too often (131056, about one message every
# 6 seconds), spam rate limit (131048), WhatsApp Business Account limit (80007).
RATE_LIMITED = {130429: None, 131056: 6.0, 131048: None, 80007: None}
# "Something went wrong" (131000), service unavailable (131016).
TRANSIENT = frozenset({131000, 131016})


def classify_whatsapp(response: httpx.Response) -> ProviderError | None:
    """WhatsApp codes first, then the Graph mapping (190 token, 4 app limit, 10/200 permission)."""
    error = graph_error(response)
    if error is None:
        return None
    try:
        code = int(error["code"])
    except (KeyError, TypeError, ValueError):
        return classify_graph(response)
    status = response.status_code
    details = error.get("error_data")
    said = str(
        (details.get("details") if isinstance(details, dict) else None)
        or error.get("message")
        or code
    )
    if code in REJECTED:
        message = f"{REJECTED[code]} (WhatsApp {code}: {said})"
        return Rejected(message, status=status, code=str(code))
    if code in RATE_LIMITED:
        retry_after = parse_retry_after(response.headers) or RATE_LIMITED[code]
        return RateLimited(
            f"WhatsApp {code}: {said}", retry_after=retry_after, status=status, code=str(code)
        )
    if code in TRANSIENT:
        return Transient(f"WhatsApp {code}: {said}", status=status, code=str(code))
    if code == 190:
        return AuthExpired(f"WhatsApp refused the token: {said}", status=status, code="190")
    return classify_graph(response)


class WhatsAppProvider(MetaGraphProvider):
    kind = "whatsapp"
    label = "WhatsApp"
    api_version = API_VERSIONS["whatsapp"]
    capabilities = frozenset({Capability.INBOX_MESSAGES, Capability.REPLY})
    # A text message's body: 4,096 characters (digest §0 ⚠).
    limits = Limits(length=LengthRule(4096, "characters"), max_images=0)
    # A system-user token pasted by the operator, not Facebook Login (the other Graph networks).
    auth_method = "token"
    # The Cloud API has no idempotency key, and sent messages cannot be listed: an unknown
    # outcome is left for a person to confirm.
    idempotent_reply = False
    replies_to = replies.KINDS
    reply_length = LengthRule(4096, "characters")

    def classify(self, response: httpx.Response) -> ProviderError | None:
        return classify_whatsapp(response)

    @property
    def phone_number_id(self) -> str:
        return self._setting("phone_number_id")

    def refresh(self) -> None:
        raise AuthExpired("WhatsApp tokens are not refreshed: reconnect the channel")

    # --- replies ----------------------------------------------------------------------------

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> ReplyResult:
        return replies.reply(self, target, text)

    def find_reply(
        self, target: ReplyTarget, text: str, *, idempotency_key: str, since: datetime
    ) -> ReplyResult | None:
        return None  # sent messages cannot be listed: a person confirms

    # --- no publishing ----------------------------------------------------------------------

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        raise Rejected("A WhatsApp channel answers messages; it does not publish posts.")

    def delete(self, external_id: str) -> None:
        raise Rejected("A WhatsApp channel does not publish posts.")

    def get_post(self, external_id: str) -> PublishResult | None:
        return None
