"""The same contract, run over every registered provider against its recorded fixtures.

Each provider has tests/providers/contracts/<kind>.py: how to reach it (``account``), the
happy-path fixtures, the call that makes a post public (``PUBLISH``) and the network's own error
bodies. The error cases below are the same for all: 401, 403, 429 with Retry-After, 500, a
timeout after sending, and a garbled answer.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

import httpx
import pytest
from tests.providers.fakenet import FakeNetwork, Reply, fake_network

from hygie.providers.base import MediaItem, OutboundPost, Provider
from hygie.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)
from hygie.providers.http import ProviderHttp
from hygie.providers.registry import provider_class, publishing_kinds
from hygie.providers.versions import API_VERSIONS

# The networks that publish posts; those that only converse (WhatsApp, Matrix, e-mail) have
# their own tests.
KINDS = sorted(publishing_kinds())
ALT = "Affiche de la campagne de vaccination"


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built here (no image library needed)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x0f\x76\x6e")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


POST = OutboundPost(
    text="Vaccination grippe : sans rendez-vous le matin. https://example.org/grippe #santé",
    media=(MediaItem(tiny_png(), "image/png", ALT, "affiche.png", 1, 1),),
)


def contract(kind: str) -> ModuleType:
    return import_module(f"tests.providers.contracts.{kind}")


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


def make(kind: str, net: FakeNetwork, timeout: float = 5.0) -> Provider:
    module = contract(kind)
    http = ProviderHttp(timeout=httpx.Timeout(timeout, connect=2.0))
    return provider_class(kind)(module.account(net.url), http)


@pytest.mark.parametrize("kind", KINDS)
def test_the_provider_declares_what_the_composer_and_engine_need(kind: str) -> None:
    cls = provider_class(kind)
    assert cls.label and cls.capabilities and cls.limits.length.max_length > 0
    assert kind in API_VERSIONS
    assert cls.auth_method in {"oauth2", "app_password", "token"}
    module = contract(kind)
    assert kind == module.KIND and module.PUBLISH and module.ERROR_BODIES


@pytest.mark.parametrize("kind", KINDS)
def test_a_post_with_an_image_is_published_read_back_and_deleted(
    kind: str, net: FakeNetwork
) -> None:
    module = contract(kind)
    module.install_happy_path(net)
    provider = make(kind, net)
    result = provider.publish(POST, idempotency_key="hygie-attempt-42")
    assert result.external_id and result.url.startswith("https://")
    module.check_published(net, result, ALT)
    again = provider.get_post(result.external_id)
    assert again is not None and again.external_id == result.external_id
    if getattr(module, "CAN_DELETE", True):
        provider.delete(result.external_id)


CASES = [
    (401, AuthExpired),
    (403, Rejected),
    (429, RateLimited),
    (500, Transient),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("status", "error"), CASES)
def test_http_errors_map_to_the_same_taxonomy_for_every_network(
    kind: str, status: int, error: type[ProviderError], net: FakeNetwork
) -> None:
    module = contract(kind)
    method, path = module.PUBLISH
    headers = {"Retry-After": "7"} if status == 429 else {}
    net.route(method, path, Reply(status, module.ERROR_BODIES[status], headers), first=True)
    module.install_happy_path(net)
    with pytest.raises(error) as raised:
        make(kind, net).publish(POST, idempotency_key="hygie-attempt-43")
    if status == 429:
        assert raised.value.retry_after == 7  # type: ignore[attr-defined]
    if status == 403:
        assert raised.value.message  # the network's own words reach the user


@pytest.mark.parametrize("kind", KINDS)
def test_a_timeout_after_sending_the_post_is_an_unknown_outcome(
    kind: str, net: FakeNetwork
) -> None:
    module = contract(kind)
    method, path = module.PUBLISH
    net.route(method, path, Reply(200, {}, delay=1.5), first=True)
    module.install_happy_path(net)
    with pytest.raises(OutcomeUnknown):
        make(kind, net, timeout=0.5).publish(POST, idempotency_key="hygie-attempt-44")


@pytest.mark.parametrize("kind", KINDS)
def test_a_garbled_answer_to_the_post_is_an_unknown_outcome(kind: str, net: FakeNetwork) -> None:
    module = contract(kind)
    method, path = module.PUBLISH
    net.route(method, path, Reply(200, b"<html>Service Unavailable</html>"), first=True)
    module.install_happy_path(net)
    with pytest.raises(OutcomeUnknown):
        make(kind, net).publish(POST, idempotency_key="hygie-attempt-45")


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_connection_is_transient(kind: str) -> None:
    provider = provider_class(kind)(
        contract(kind).account("http://127.0.0.1:9"), ProviderHttp(timeout=httpx.Timeout(2.0))
    )
    with pytest.raises(Transient):
        provider.publish(POST, idempotency_key="hygie-attempt-46")


@pytest.mark.parametrize("kind", KINDS)
def test_validation_flags_text_over_the_limit_and_images_without_alt_text(kind: str) -> None:
    cls = provider_class(kind)
    provider = cls(contract(kind).account("http://127.0.0.1:9"))
    too_long = OutboundPost(
        text="a" * (cls.limits.length.max_length + 1),
        media=(MediaItem(tiny_png(), "image/png", "", "x.png"),),
    )
    codes = {v.code for v in provider.validate(too_long)}
    assert {"too_long", "alt_text_required"} <= codes
    assert provider.validate(POST) == []
