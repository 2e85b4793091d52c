"""Every network answers the same way: the reply contract, against each network's fixtures.

Each network that answers has, in tests/providers/contracts/<kind>.py, the items it answers
(``REPLY_TARGETS``), the call that makes the reply public (``REPLY_CALLS``), the fixtures
(``install_replies``) and what the request must look like (``check_reply``). The error cases are
the same for all: 401, 429 with Retry-After, 500, a timeout after sending, a garbled answer and a
refused connection. Network specifics (WhatsApp's 24-hour window, Bluesky's strong references,
Mastodon's mention, Google's one reply per review) follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import import_module
from types import ModuleType

import httpx
import pytest
from tests.providers.contracts import bluesky as bsky
from tests.providers.contracts import google_business as google
from tests.providers.contracts import whatsapp as wa
from tests.providers.fakenet import FakeNetwork, Reply, fake_network

from hygie.providers.base import Provider
from hygie.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)
from hygie.providers.http import ProviderHttp
from hygie.providers.inbound import ReplyTarget, Unsupported
from hygie.providers.mastodon.replies import addressed
from hygie.providers.registry import provider_class
from hygie.providers.whatsapp.provider import WhatsAppProvider
from hygie.providers.whatsapp.replies import window_open

TEXT = "Bonjour, merci pour votre message : nous vous répondons en privé."
KEY = "hygie-reply-42"
CASES = [
    ("bluesky", "comment"),
    ("mastodon", "mention"),
    ("mastodon", "direct_message"),
    ("facebook_page", "comment"),
    ("facebook_page", "direct_message"),
    ("instagram", "comment"),
    ("instagram", "direct_message"),
    ("google_business", "review"),
    ("whatsapp", "direct_message"),
]
IDS = [f"{kind}-{item}" for kind, item in CASES]


def contract(kind: str) -> ModuleType:
    return import_module(f"tests.providers.contracts.{kind}")


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


def make(kind: str, base_url: str, timeout: float = 5.0) -> Provider:
    http = ProviderHttp(timeout=httpx.Timeout(timeout, connect=2.0))
    return provider_class(kind)(contract(kind).account(base_url), http)


@pytest.mark.parametrize(
    ("kind", "kinds", "idempotent"),
    [
        ("bluesky", {"comment", "mention"}, True),
        ("mastodon", {"comment", "mention", "direct_message"}, True),
        ("facebook_page", {"comment", "mention", "direct_message"}, False),
        ("instagram", {"comment", "mention", "direct_message"}, False),
        ("google_business", {"review"}, True),
        ("whatsapp", {"direct_message"}, False),
        ("linkedin_org", set(), False),
        ("x", set(), False),
    ],
)
def test_each_network_declares_what_it_answers_and_whether_a_retry_is_harmless(
    kind: str, kinds: set[str], idempotent: bool
) -> None:
    cls = provider_class(kind)
    assert cls.replies_to == kinds
    assert cls.idempotent_reply is idempotent
    assert (cls.reply is not Provider.reply) is bool(kinds)


@pytest.mark.parametrize(("kind", "item"), CASES, ids=IDS)
def test_a_reply_is_sent_as_the_network_documents_it(
    kind: str, item: str, net: FakeNetwork
) -> None:
    module = contract(kind)
    module.install_replies(net)
    result = make(kind, net.url).reply(module.REPLY_TARGETS[item], TEXT, idempotency_key=KEY)
    module.check_reply(net, item, result, TEXT)


ERRORS = [(401, AuthExpired), (429, RateLimited), (500, Transient)]


@pytest.mark.parametrize(("kind", "item"), CASES, ids=IDS)
@pytest.mark.parametrize(("status", "error"), ERRORS)
def test_reply_errors_map_to_the_same_taxonomy_for_every_network(
    kind: str, item: str, status: int, error: type[ProviderError], net: FakeNetwork
) -> None:
    module = contract(kind)
    method, path = module.REPLY_CALLS[item]
    headers = {"Retry-After": "7"} if status == 429 else {}
    net.route(method, path, Reply(status, module.ERROR_BODIES[status], headers), first=True)
    module.install_replies(net)
    with pytest.raises(error) as raised:
        make(kind, net.url).reply(module.REPLY_TARGETS[item], TEXT, idempotency_key=KEY)
    if status == 429:
        assert raised.value.retry_after == 7  # type: ignore[attr-defined]


@pytest.mark.parametrize(("kind", "item"), CASES, ids=IDS)
def test_a_timeout_after_sending_the_reply_is_an_unknown_outcome(
    kind: str, item: str, net: FakeNetwork
) -> None:
    module = contract(kind)
    method, path = module.REPLY_CALLS[item]
    net.route(method, path, Reply(200, {}, delay=1.5), first=True)
    module.install_replies(net)
    with pytest.raises(OutcomeUnknown):
        make(kind, net.url, timeout=0.5).reply(
            module.REPLY_TARGETS[item], TEXT, idempotency_key=KEY
        )


@pytest.mark.parametrize(("kind", "item"), CASES, ids=IDS)
def test_a_garbled_answer_to_the_reply_is_an_unknown_outcome(
    kind: str, item: str, net: FakeNetwork
) -> None:
    module = contract(kind)
    method, path = module.REPLY_CALLS[item]
    net.route(method, path, Reply(200, b"<html>Service Unavailable</html>"), first=True)
    module.install_replies(net)
    with pytest.raises(OutcomeUnknown):
        make(kind, net.url).reply(module.REPLY_TARGETS[item], TEXT, idempotency_key=KEY)


@pytest.mark.parametrize(("kind", "item"), CASES, ids=IDS)
def test_a_refused_connection_while_replying_is_transient(kind: str, item: str) -> None:
    module = contract(kind)
    with pytest.raises(Transient):
        make(kind, "http://127.0.0.1:9", timeout=2.0).reply(
            module.REPLY_TARGETS[item], TEXT, idempotency_key=KEY
        )


@pytest.mark.parametrize(
    ("kind", "item"),
    [c for c in CASES if c[1] != "direct_message" and c[0] != "bluesky"],
    ids=lambda v: str(v),
)
def test_after_an_unknown_outcome_the_reply_is_found_on_the_network(
    kind: str, item: str, net: FakeNetwork
) -> None:
    module = contract(kind)
    module.install_replies(net, answered_with=TEXT)
    provider = make(kind, net.url)
    target = module.REPLY_TARGETS[item]
    since = datetime.now(UTC) - timedelta(minutes=5)
    found = provider.find_reply(target, TEXT, idempotency_key=KEY, since=since)
    assert found is not None and found.external_id
    assert provider.find_reply(target, "Un autre texte", idempotency_key=KEY, since=since) is None


@pytest.mark.parametrize(
    ("kind", "item"),
    [("facebook_page", "direct_message"), ("instagram", "direct_message"), ("whatsapp", "x")],
)
def test_a_message_sent_through_meta_cannot_be_looked_up_so_a_person_confirms_it(
    kind: str, item: str, net: FakeNetwork
) -> None:
    module = contract(kind)
    target = module.REPLY_TARGETS.get(item) or next(iter(module.REPLY_TARGETS.values()))
    since = datetime.now(UTC) - timedelta(minutes=5)
    assert make(kind, net.url).find_reply(target, TEXT, idempotency_key=KEY, since=since) is None
    assert net.requests == []


# --- Bluesky -----------------------------------------------------------------------------------


def test_a_bluesky_reply_keeps_its_record_key_across_retries_of_one_attempt(
    net: FakeNetwork,
) -> None:
    bsky.install_replies(net)
    provider = make("bluesky", net.url)
    target = bsky.REPLY_TARGETS["comment"]
    first = provider.reply(target, TEXT, idempotency_key=KEY)
    again = provider.reply(target, TEXT, idempotency_key=KEY)
    other = provider.reply(target, TEXT, idempotency_key="hygie-reply-43")
    assert first.external_id == again.external_id != other.external_id
    found = provider.find_reply(target, TEXT, idempotency_key=KEY, since=datetime.now(UTC))
    assert found is not None and found.external_id == first.external_id


def test_a_bluesky_reply_reads_the_parent_and_root_from_the_appview_when_they_were_not_kept(
    net: FakeNetwork,
) -> None:
    bsky.install_replies(net)
    bare = ReplyTarget(kind="comment", external_id=bsky.REPLY_URI, requested_at=bsky.REQUESTED_AT)
    make("bluesky", net.url).reply(bare, TEXT, idempotency_key=KEY)
    looked_up = net.requests_to("GET", r"/xrpc/app\.bsky\.feed\.getPosts")
    assert looked_up and "uris=at" in looked_up[0].query
    bsky.check_reply(
        net, "comment", make("bluesky", net.url).reply(bare, TEXT, idempotency_key=KEY), TEXT
    )


def test_a_reply_to_a_bluesky_post_that_starts_its_thread_points_at_it_twice(
    net: FakeNetwork,
) -> None:
    bsky.install_replies(net)
    top = ReplyTarget(
        kind="mention",
        external_id=bsky.ROOT_URI,
        extra={"cid": bsky.ROOT_CID},
        requested_at=bsky.REQUESTED_AT,
    )
    make("bluesky", net.url).reply(top, TEXT, idempotency_key=KEY)
    record = net.requests_to("POST", r"/xrpc/com\.atproto\.repo\.putRecord")[-1].json()["record"]
    ref = {"uri": bsky.ROOT_URI, "cid": bsky.ROOT_CID}
    assert record["reply"] == {"root": ref, "parent": ref}


def test_bluesky_direct_messages_are_not_answered_from_hygie_yet(net: FakeNetwork) -> None:
    dm = ReplyTarget(kind="direct_message", external_id="3ksrr")
    with pytest.raises(Unsupported):
        make("bluesky", net.url).reply(dm, TEXT, idempotency_key=KEY)
    assert net.requests == []


# --- Mastodon ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "acct", "sent"),
    [
        ("Merci !", "zsc@mastodon.test", "@zsc@mastodon.test Merci !"),
        ("@zsc@mastodon.test merci !", "zsc@mastodon.test", "@zsc@mastodon.test merci !"),
        ("Merci @zsc, à bientôt", "zsc@mastodon.test", "Merci @zsc, à bientôt"),
        ("Merci !", "", "Merci !"),
    ],
)
def test_a_mastodon_reply_mentions_the_person_once(text: str, acct: str, sent: str) -> None:
    assert addressed(text, acct) == sent


# --- Google ------------------------------------------------------------------------------------


def test_a_google_review_is_answered_by_its_id_under_the_channel_s_location(
    net: FakeNetwork,
) -> None:
    google.install_replies(net)
    by_id = ReplyTarget(kind="review", external_id=google.REVIEW_ID)
    result = make("google_business", net.url).reply(by_id, TEXT, idempotency_key=KEY)
    google.check_reply(net, "review", result, TEXT)


def test_a_google_review_reply_over_4096_bytes_is_refused_before_sending(net: FakeNetwork) -> None:
    google.install_replies(net)
    with pytest.raises(Rejected, match="4096 bytes"):
        make("google_business", net.url).reply(
            google.REPLY_TARGETS["review"], "é" * 2049, idempotency_key=KEY
        )
    assert net.requests == []


def test_google_answers_only_reviews(net: FakeNetwork) -> None:
    with pytest.raises(Unsupported):
        make("google_business", net.url).reply(
            ReplyTarget(kind="comment", external_id="x"), TEXT, idempotency_key=KEY
        )


# --- WhatsApp ----------------------------------------------------------------------------------


def whatsapp(net: FakeNetwork, **settings: object) -> WhatsAppProvider:
    return WhatsAppProvider(wa.account(net.url, **settings), ProviderHttp())


def test_the_whatsapp_window_closes_24_hours_after_the_person_s_last_message() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert window_open(now - timedelta(hours=23, minutes=50), now)
    assert not window_open(now - timedelta(hours=23, minutes=59), now)  # the margin
    assert not window_open(now - timedelta(days=2), now)
    assert not window_open(None, now)


def test_outside_the_window_whatsapp_sends_the_organisation_s_template_with_the_reply(
    net: FakeNetwork,
) -> None:
    wa.install_replies(net)
    provider = whatsapp(
        net,
        whatsapp_template="suivi_conseil",
        whatsapp_template_language="fr",
        whatsapp_template_text=True,
    )
    late = wa.target(datetime.now(UTC) - timedelta(days=3))
    result = provider.reply(late, "Bonjour,\nvotre commande est prête.", idempotency_key=KEY)
    sent = net.requests_to("POST", wa.REPLY_CALLS["direct_message"][1])[-1].json()
    assert sent == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa.WA_ID,
        "type": "template",
        "template": {
            "name": "suivi_conseil",
            "language": {"policy": "deterministic", "code": "fr"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "Bonjour, votre commande est prête."}],
                }
            ],
        },
    }
    assert result.sent_text == "[suivi_conseil] Bonjour, votre commande est prête."


def test_a_template_without_variable_is_sent_alone(net: FakeNetwork) -> None:
    wa.install_replies(net)
    provider = whatsapp(net, whatsapp_template="reprise_contact", whatsapp_template_text=False)
    result = provider.reply(
        wa.target(datetime.now(UTC) - timedelta(days=3)), TEXT, idempotency_key=KEY
    )
    template = net.requests_to("POST", wa.REPLY_CALLS["direct_message"][1])[-1].json()["template"]
    assert template == {
        "name": "reprise_contact",
        "language": {"policy": "deterministic", "code": "fr"},
    }
    assert result.sent_text == "[reprise_contact]"


def test_outside_the_window_without_a_template_whatsapp_is_not_called(net: FakeNetwork) -> None:
    wa.install_replies(net)
    with pytest.raises(Rejected, match="template"):
        whatsapp(net).reply(
            wa.target(datetime.now(UTC) - timedelta(days=3)), TEXT, idempotency_key=KEY
        )
    assert net.requests == []


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (wa.RE_ENGAGEMENT, Rejected, "template"),
        (wa.wa_error(131026, "(#131026) Message undeliverable"), Rejected, "deliver"),
        (wa.wa_error(132001, "(#132001) Template name does not exist"), Rejected, "template"),
        (wa.wa_error(131056, "(#131056) Pair rate limit hit"), RateLimited, "131056"),
        (wa.wa_error(131000, "(#131000) Something went wrong"), Transient, "131000"),
        (wa.wa_error(190, "Error validating access token"), AuthExpired, "token"),
    ],
)
def test_whatsapp_error_codes_map_to_the_taxonomy(
    body: object, error: type[ProviderError], words: str, net: FakeNetwork
) -> None:
    net.route("POST", wa.REPLY_CALLS["direct_message"][1], Reply(400, body))
    with pytest.raises(error) as raised:
        whatsapp(net).reply(wa.target(), TEXT, idempotency_key=KEY)
    assert words in raised.value.message
    if isinstance(raised.value, RateLimited) and raised.value.code == "131056":
        assert raised.value.retry_after == 6.0


def test_a_whatsapp_channel_does_not_publish_posts(net: FakeNetwork) -> None:
    from tests.providers.test_contract import POST

    with pytest.raises(Rejected):
        whatsapp(net).publish(POST, idempotency_key="hygie-attempt-1")
    assert whatsapp(net).get_post("x") is None
