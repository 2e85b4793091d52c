"""The webhook endpoints the networks call. Outside any organisation, no login, no CSRF token:
the request proves itself with its signature.

``/webhooks/meta/``: GET is Meta's subscription handshake; POST is a delivery, checked (size,
``X-Hub-Signature-256`` with the app secret, JSON, ``object``), stored in one INSERT and
acknowledged at once; a task processes it after the commit. A refused request is logged on one
WARNING line (address, reason, body sha256) and nothing is stored.
"""

from __future__ import annotations

import hashlib
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hygie.accounts.throttle import client_address
from hygie.providers import meta_webhooks
from hygie.webhooks.actions import SOURCE_META, do_store_delivery
from hygie.webhooks.tasks import process_delivery

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
# Request headers kept with the delivery (what checking or replaying it needs).
KEPT_HEADERS = ("X-Hub-Signature-256", "Content-Type", "User-Agent", "X-Forwarded-For")


def _text(status: int, body: str) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _refuse(request: HttpRequest, status: int, reason: str, body: bytes | None) -> HttpResponse:
    digest = hashlib.sha256(body).hexdigest() if body is not None else "-"
    size = len(body) if body is not None else request.META.get("CONTENT_LENGTH", "?")
    logger.warning(
        "meta webhook refused from %s: %s (HTTP %s, %s bytes, body sha256 %s)",
        client_address(request) or "?",
        reason,
        status,
        size,
        digest,
    )
    return _text(status, reason)


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        challenge = meta_webhooks.handshake_challenge(
            request.GET.dict(), settings.HYGIE_META_VERIFY_TOKEN
        )
        if challenge is None:
            reason = (
                "HYGIE_META_VERIFY_TOKEN is not set"
                if not settings.HYGIE_META_VERIFY_TOKEN
                else "verification handshake refused (mode or verify token)"
            )
            return _refuse(request, 403, reason, None)
        return _text(200, challenge)

    secret = settings.HYGIE_META_APP_SECRET
    if not secret:
        # Never accept unsigned payloads: without the secret nothing can be verified.
        return _refuse(request, 503, "HYGIE_META_APP_SECRET is not set", None)
    length = _content_length(request)
    if length is not None and length > MAX_BODY_BYTES:
        return _refuse(request, 413, f"body over {MAX_BODY_BYTES} bytes", None)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _refuse(request, 413, f"body over {MAX_BODY_BYTES} bytes", body)
    problem = meta_webhooks.signature_problem(
        body, request.headers.get(meta_webhooks.SIGNATURE_HEADER), secret
    )
    if problem:
        return _refuse(request, 403, problem, body)
    try:
        meta_webhooks.decode(body)
    except meta_webhooks.PayloadError as exc:
        return _refuse(request, 400, str(exc), body)

    headers = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
    # One INSERT, committed on its own (autocommit: no BEGIN/COMMIT round trips) before the
    # answer; the task is queued once it is committed (at once here, or at the end of an
    # enclosing transaction). robust: the delivery is stored whatever the broker says, and a
    # lost message is found again by `requeue_stale_deliveries` or `replay_webhooks`.
    delivery = do_store_delivery(
        SOURCE_META, body=body, headers=headers, remote_addr=client_address(request)
    )
    transaction.on_commit(partial(process_delivery.delay, delivery.pk), robust=True)
    return _text(200, "EVENT_RECEIVED")
