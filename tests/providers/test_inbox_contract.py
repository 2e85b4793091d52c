"""Polling the inbox, the same contract for every network tested against recorded fixtures.

A contract module (tests/providers/contracts/<kind>.py) that defines ``INBOX`` (the list call)
also defines ``install_inbox`` and ``check_inbox`` (what the first poll must bring),
``OLD_CURSOR`` and ``ALL_COUNT`` (a poll from long ago reads every page). The cases: the first
poll, a poll from its cursor (nothing new, the cursor stays), paging, and the error taxonomy.
Networks with a real peer are polled against it too (tests/peers/).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

import httpx
import pytest
from tests.providers.fakenet import FakeNetwork, Reply, fake_network

from hygie.providers.base import Provider
from hygie.providers.errors import AuthExpired, ProviderError, RateLimited, Rejected, Transient
from hygie.providers.http import ProviderHttp
from hygie.providers.registry import polling_kinds, provider_class


def contract(kind: str) -> ModuleType:
    return import_module(f"tests.providers.contracts.{kind}")


def _has_inbox(kind: str) -> bool:
    try:
        return hasattr(contract(kind), "INBOX")
    except ModuleNotFoundError:
        return False


KINDS = sorted(kind for kind in polling_kinds() if _has_inbox(kind))


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


def make(kind: str, base_url: str) -> Provider:
    http = ProviderHttp(timeout=httpx.Timeout(5.0, connect=2.0))
    return provider_class(kind)(contract(kind).account(base_url), http)


def test_the_polled_networks_have_inbox_fixtures() -> None:
    # Matrix and e-mail are not HTTP-and-JSON fixtures: their own peers test them.
    assert set(KINDS) == set(polling_kinds()) - {"matrix", "email"}


@pytest.mark.parametrize("kind", KINDS)
def test_the_first_poll_brings_the_recent_items_and_a_cursor(kind: str, net: FakeNetwork) -> None:
    module = contract(kind)
    module.install_inbox(net)
    page = make(kind, net.url).fetch_inbox("")
    module.check_inbox(net, page)


@pytest.mark.parametrize("kind", KINDS)
def test_a_poll_from_the_cursor_brings_nothing_new_and_keeps_it(
    kind: str, net: FakeNetwork
) -> None:
    module = contract(kind)
    module.install_inbox(net)
    provider = make(kind, net.url)
    first = provider.fetch_inbox("")
    again = provider.fetch_inbox(first.cursor)
    assert again.cursor == first.cursor
    # At most the newest items are read again (same timestamp as the cursor): storing them is
    # idempotent.
    assert {e.external_id for e in again.events} <= {e.external_id for e in first.events}


@pytest.mark.parametrize("kind", KINDS)
def test_a_poll_from_long_ago_follows_every_page(kind: str, net: FakeNetwork) -> None:
    module = contract(kind)
    module.install_inbox(net)
    page = make(kind, net.url).fetch_inbox(module.OLD_CURSOR)
    assert len({e.external_id for e in page.events}) == module.ALL_COUNT


CASES = [(401, AuthExpired), (403, Rejected), (429, RateLimited), (500, Transient)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("status", "error"), CASES)
def test_errors_of_the_list_call_map_to_the_same_taxonomy(
    kind: str, status: int, error: type[ProviderError], net: FakeNetwork
) -> None:
    module = contract(kind)
    method, path = module.INBOX
    headers = {"Retry-After": "7"} if status == 429 else {}
    net.route(method, path, Reply(status, module.ERROR_BODIES[status], headers), first=True)
    module.install_inbox(net)
    with pytest.raises(error) as raised:
        make(kind, net.url).fetch_inbox("")
    if status == 429:
        assert raised.value.retry_after == 7  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_an_unreachable_network_is_transient(kind: str) -> None:
    with pytest.raises(Transient):
        make(kind, "http://127.0.0.1:9").fetch_inbox("")
