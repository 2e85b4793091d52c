"""Meta deliveries become normalised events (hygie.providers.meta_webhooks, no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from tests.webhooks.conftest import (
    FB_PAGE_ID,
    IG_USER_ID,
    PAYLOADS,
    WA_PHONE_NUMBER_ID,
    payload,
)

from hygie.channels.models import Network
from hygie.providers import meta_webhooks
from hygie.providers.meta_webhooks import (
    COMMENT,
    DIRECT_MESSAGE,
    PayloadError,
    handshake_challenge,
    parse_payload,
    sign,
    signature_ok,
    signature_problem,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
WA_TEXT_ID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="


def test_the_published_test_vector_verifies() -> None:
    body = b'{"object":"page","entry":[]}'
    header = "sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf"
    assert sign(body, "test_app_secret") == header
    assert signature_ok(body, header, "test_app_secret")
    assert signature_ok(body, header.upper().replace("SHA256=", "sha256="), "test_app_secret")


@pytest.mark.parametrize(
    ("header", "secret", "problem"),
    [
        (None, "test_app_secret", "missing X-Hub-Signature-256"),
        ("", "test_app_secret", "missing X-Hub-Signature-256"),
        ("sha1=eb935a8cb91fd3b72ab4cd92acd4498e6e688bb0", "test_app_secret", "malformed"),
        ("5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf", "x", "malformed"),
        ("sha256=" + "0" * 64, "test_app_secret", "signature mismatch"),
        ("sha256=é", "test_app_secret", "signature mismatch"),
        (
            "sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf",
            "another_secret",
            "signature mismatch",
        ),
        ("sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf", "", "no app"),
    ],
)
def test_a_missing_malformed_or_forged_signature_is_refused(
    header: str | None, secret: str, problem: str
) -> None:
    found = signature_problem(b'{"object":"page","entry":[]}', header, secret)
    assert found.startswith(problem)


def test_a_signature_is_checked_on_the_raw_bytes_not_on_re_serialised_json() -> None:
    body = b'{"object": "page",  "entry": []}'
    reserialised = json.dumps(json.loads(body)).encode()
    assert not signature_ok(body, sign(reserialised, "s"), "s")
    assert signature_ok(body, sign(body, "s"), "s")


def test_the_handshake_echoes_the_challenge_only_for_the_right_token() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert handshake_challenge(params, "tok") == "1158201444"
    assert handshake_challenge(params, "other") is None
    assert handshake_challenge(params, "") is None
    assert handshake_challenge({**params, "hub.mode": "unsubscribe"}, "tok") is None
    assert handshake_challenge({**params, "hub.challenge": ""}, "tok") is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b"\xff\xfe", "invalid JSON"),
        (b"[]", "not a JSON object"),
        (b'{"object":"user","entry":[]}', "unknown object"),
        (b'{"entry":[]}', "unknown object"),
        (b'{"object":"page","entry":{}}', "entry is not a list"),
    ],
)
def test_a_body_that_is_not_a_meta_delivery_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        meta_webhooks.decode(body)


def test_the_network_keys_are_the_channel_networks() -> None:
    assert set(meta_webhooks.OBJECT_NETWORKS.values()) <= set(Network.values)
    assert set(meta_webhooks.ROUTING_SETTING) == set(meta_webhooks.OBJECT_NETWORKS.values())


def test_a_facebook_comment_becomes_a_comment_event_on_its_post() -> None:
    parsed = parse_payload(payload("facebook-feed-comment.json"), received_at=NOW)
    [event] = parsed.events
    assert event.network == "facebook_page" and event.route == FB_PAGE_ID
    assert event.kind == COMMENT
    assert event.external_id == "987654321_1122334455"
    assert (event.author_id, event.author_name) == ("6543210987", "Priya Sharma")
    assert event.text == "Do you host weddings?"
    assert event.received_at == datetime.fromtimestamp(1753660799, tz=UTC)
    assert event.thread_id == event.parent_id == "112233445566778_987654321"
    assert event.permalink == "https://www.facebook.com/112233445566778/posts/987654321"
    assert not parsed.skipped


def test_a_reply_to_a_comment_keeps_its_parent_and_the_page_s_own_replies_are_ignored() -> None:
    delivery = payload("facebook-feed-comment.json")
    value = delivery["entry"][0]["changes"][0]["value"]
    reply = {**value, "comment_id": "987654321_2", "parent_id": "987654321_1122334455"}
    own = {**value, "comment_id": "987654321_3", "from": {"id": FB_PAGE_ID, "name": "Alpha"}}
    edited = {**value, "verb": "edited"}
    reaction = {**value, "item": "reaction", "reaction_type": "love"}
    delivery["entry"][0]["changes"] = [
        {"field": "feed", "value": v} for v in (reply, own, edited, reaction)
    ]
    parsed = parse_payload(delivery, received_at=NOW)
    [event] = parsed.events
    assert event.parent_id == "987654321_1122334455"
    assert event.thread_id == "112233445566778_987654321"
    assert parsed.ignored == 3


def test_a_messenger_message_becomes_a_direct_message_and_echoes_and_receipts_are_ignored() -> None:
    parsed = parse_payload(payload("facebook-messenger-message.json"), received_at=NOW)
    [event] = parsed.events
    assert event.kind == DIRECT_MESSAGE and event.route == FB_PAGE_ID
    assert event.external_id == "m_1457764197618:41d102a3e1ae206a38"
    assert event.author_id == event.thread_id == "6789012345678901"
    assert event.text == "hello, world!"
    assert event.parent_id == "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"
    assert event.received_at == datetime(2016, 3, 23, 0, 25, 52, 478000, tzinfo=UTC)
    assert parsed.ignored == 3  # the echo, the delivery and the read receipt


def test_a_message_with_only_an_attachment_says_so_in_its_text() -> None:
    delivery = payload("facebook-messenger-message.json")
    delivery["entry"][0]["messaging"] = [
        {
            "sender": {"id": "1"},
            "recipient": {"id": FB_PAGE_ID},
            "timestamp": 1458692752478,
            "message": {
                "mid": "m_2",
                "attachments": [{"type": "image", "payload": {"url": "https://x.test/a.jpg"}}],
            },
        }
    ]
    [event] = parse_payload(delivery, received_at=NOW).events
    assert event.text == "[image]"
    assert event.attachments == ("https://x.test/a.jpg",)


def test_an_instagram_comment_becomes_a_comment_event_on_its_media() -> None:
    parsed = parse_payload(payload("instagram-comment.json"), received_at=NOW)
    [event] = parsed.events
    assert event.network == "instagram" and event.route == IG_USER_ID
    assert event.kind == COMMENT and event.external_id == "17919697626119712"
    assert event.author_handle == event.author_name == "jane"
    assert event.text == "Love it"
    assert event.parent_id == "17919697626110000"
    assert event.thread_id == "18172143295349192"
    assert event.received_at == datetime.fromtimestamp(1755779280, tz=UTC)  # the entry's time


def test_an_instagram_login_comment_without_the_changes_wrapper_is_read_too() -> None:
    delivery = payload("instagram-comment.json")
    entry = delivery["entry"][0]
    change = entry.pop("changes")[0]
    entry.update(change)
    [event] = parse_payload(delivery, received_at=NOW).events
    assert event.external_id == "17919697626119712"


def test_an_instagram_direct_message_becomes_a_direct_message_event() -> None:
    [event] = parse_payload(payload("instagram-message.json"), received_at=NOW).events
    assert event.kind == DIRECT_MESSAGE and event.route == IG_USER_ID
    assert event.thread_id == event.author_id == "7788990011223344"
    assert event.text == "Vous avez du Doliprane ?"


def test_a_whatsapp_text_message_becomes_a_direct_message_from_its_wa_id() -> None:
    parsed = parse_payload(payload("whatsapp-text-message.json"), received_at=NOW)
    [event] = parsed.events
    assert event.network == "whatsapp" and event.route == WA_PHONE_NUMBER_ID
    assert event.kind == DIRECT_MESSAGE and event.external_id == WA_TEXT_ID
    assert (event.author_name, event.author_handle) == ("Sheena Nelson", "16505551234")
    assert event.thread_id == "16505551234"
    assert event.text == "Does it come in another color?"
    assert event.received_at == datetime.fromtimestamp(1749416383, tz=UTC)  # "1749416383"


# Every example of the spec's POST /whatsapp/webhooks: what it becomes.
WHATSAPP_EXAMPLES = {
    "whatsapp-text-message.json": ("event", "Does it come in another color?"),
    "whatsapp-text-message-with-context-product-inquiry.json": (
        "event",
        "Is this still available?",
    ),
    "whatsapp-text-message-from-click-to-whatsapp-ad.json": (
        "event",
        "Hello! Can I get more info on this?",
    ),
    "whatsapp-image-message.json": ("event", "Taj Mahal"),
    "whatsapp-button-message.json": ("event", "Unsubscribe"),
    "whatsapp-interactive-list-reply-message.json": (
        "event",
        "Priority Mail Express — Next Day to 2 Days",
    ),
    "whatsapp-interactive-button-reply-message.json": ("event", "Cancel"),
    "whatsapp-reaction-message.json": ("ignored", ""),
    "whatsapp-system-message.json": ("ignored", ""),
    "whatsapp-group-create-message.json": ("ignored", ""),
    "whatsapp-group-settings-update.json": ("ignored", ""),
    "whatsapp-group-remove-participants.json": ("ignored", ""),
    "whatsapp-location-message.json": ("skipped", "message type location is not ingested"),
    "whatsapp-contact-sharing-message.json": ("skipped", "message type contacts is not ingested"),
    "whatsapp-order-message.json": ("skipped", "message type order is not ingested"),
    "whatsapp-unsupported-message.json": ("skipped", "message type unsupported is not ingested"),
}


def test_every_whatsapp_example_of_the_spec_is_covered() -> None:
    files = {p.name for p in PAYLOADS.glob("whatsapp-*.json")} - {"whatsapp-status-failed.json"}
    assert files == set(WHATSAPP_EXAMPLES)
    assert len(files) == 16


@pytest.mark.parametrize(("name", "expected"), sorted(WHATSAPP_EXAMPLES.items()))
def test_each_whatsapp_example_is_ingested_ignored_or_skipped_with_a_reason(
    name: str, expected: tuple[str, str]
) -> None:
    outcome, detail = expected
    parsed = parse_payload(payload(name), received_at=NOW)
    if outcome == "event":
        [event] = parsed.events
        assert event.text == detail and event.kind == DIRECT_MESSAGE
        assert event.author_name == "Sheena Nelson"
        assert not parsed.skipped
    elif outcome == "ignored":
        assert not parsed.events and not parsed.skipped and parsed.ignored == 1
    else:
        assert not parsed.events
        [skipped] = parsed.skipped
        assert detail in skipped.reason
        assert skipped.route == WA_PHONE_NUMBER_ID


def test_a_whatsapp_reply_keeps_the_message_it_answers() -> None:
    [event] = parse_payload(payload("whatsapp-button-message.json"), received_at=NOW).events
    assert event.parent_id == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjk2OTMwNEZCQjhGMzUyQUYA"


def test_whatsapp_statuses_are_returned_apart_from_messages() -> None:
    parsed = parse_payload(payload("whatsapp-status-failed.json"), received_at=NOW)
    assert not parsed.events
    [status] = parsed.statuses
    assert status.status == "failed" and status.recipient_id == "16505551234"
    assert status.route == WA_PHONE_NUMBER_ID
    assert status.errors == ("131047 Re-engagement message",)
    assert status.at == datetime.fromtimestamp(1749416400, tz=UTC)


def test_an_event_without_its_id_is_reported_as_skipped() -> None:
    delivery = payload("whatsapp-text-message.json")
    del delivery["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    comment = payload("facebook-feed-comment.json")
    del comment["entry"][0]["changes"][0]["value"]["comment_id"]
    dm = payload("facebook-messenger-message.json")
    del dm["entry"][0]["messaging"][0]["message"]["mid"]
    for broken, where in (
        (delivery, "entry[0].changes[0].messages[0]"),
        (comment, "entry[0].changes[0]"),
        (dm, "entry[0].messaging[0]"),
    ):
        parsed = parse_payload(broken, received_at=NOW)
        assert not parsed.events
        assert [s.where for s in parsed.skipped] == [where]


def test_unknown_fields_and_odd_shapes_are_tolerated() -> None:
    delivery = {
        "object": "page",
        "future": {"x": 1},
        "entry": [
            "not an object",
            {"id": FB_PAGE_ID, "changes": "nope", "messaging": [None, 3]},
            {"id": FB_PAGE_ID, "changes": [{"field": "ratings", "value": {}}]},
        ],
    }
    parsed = parse_payload(delivery, received_at=NOW)
    assert not parsed.events
    assert [s.reason for s in parsed.skipped] == ["entry is not an object"]
    assert parsed.ignored == 3


def test_an_event_without_a_time_is_dated_when_the_delivery_arrived() -> None:
    delivery = payload("instagram-comment.json")
    del delivery["entry"][0]["time"]
    [event] = parse_payload(delivery, received_at=NOW).events
    assert event.received_at == NOW


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1749416383, datetime.fromtimestamp(1749416383, tz=UTC)),
        ("1749416383", datetime.fromtimestamp(1749416383, tz=UTC)),
        (1458692752478, datetime(2016, 3, 23, 0, 25, 52, 478000, tzinfo=UTC)),
        ("2026-05-04T09:12:44+0000", datetime(2026, 5, 4, 9, 12, 44, tzinfo=UTC)),
        ("2026-05-04T11:12:44+02:00", datetime(2026, 5, 4, 9, 12, 44, tzinfo=UTC)),
        ("yesterday", None),
        (True, None),
        (None, None),
        (10**30, None),
    ],
)
def test_times_are_read_in_every_shape_meta_sends(value: object, expected: datetime | None) -> None:
    assert meta_webhooks.epoch_to_datetime(value) == expected
