"""Meta webhook fixtures: the app secret, signed requests and one channel per network in A and B."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, Network
from hygie.providers.meta_webhooks import sign

PAYLOADS = Path(__file__).parent / "payloads"
APP_SECRET = "test_app_secret"
VERIFY_TOKEN = "hygie-verify-token"
URL = "/webhooks/meta/"

# Routing keys of the fixtures (tests/webhooks/payloads/).
FB_PAGE_ID = "112233445566778"
IG_USER_ID = "17841400000000000"
WA_PHONE_NUMBER_ID = "106540352242922"


def payload_bytes(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def payload(name: str) -> dict[str, Any]:
    return dict(json.loads(payload_bytes(name)))


def post_signed(client: Client, body: bytes, *, secret: str = APP_SECRET, **headers: str) -> Any:
    signed = {"X-Hub-Signature-256": sign(body, secret), **headers}
    return client.post(URL, data=body, content_type="application/json", headers=signed)


@pytest.fixture(autouse=True)
def meta_secrets() -> Iterator[None]:
    with override_settings(HYGIE_META_APP_SECRET=APP_SECRET, HYGIE_META_VERIFY_TOKEN=VERIFY_TOKEN):
        yield


@pytest.fixture
def meta_channels_a(org_a: Organization, alice: User) -> dict[str, Channel]:
    """Organisation A's Facebook page, Instagram account and WhatsApp number of the fixtures."""
    return {
        "facebook_page": do_connect_channel(
            org_a,
            network=Network.FACEBOOK_PAGE,
            name="Pharmacie Alpha",
            handle="pharmacie.alpha",
            acting_user=alice,
            settings={"page_id": FB_PAGE_ID},
        ),
        "instagram": do_connect_channel(
            org_a,
            network=Network.INSTAGRAM,
            name="@pharmacie.alpha",
            handle="pharmacie.alpha",
            acting_user=alice,
            # As the Instagram provider connects it: the account id, and the page it is linked to.
            settings={"ig_user_id": IG_USER_ID, "page_id": FB_PAGE_ID},
        ),
        "whatsapp": do_connect_channel(
            org_a,
            network=Network.WHATSAPP,
            name="WhatsApp Alpha",
            handle="+33 1 23 45 67 89",
            acting_user=alice,
            settings={"phone_number_id": WA_PHONE_NUMBER_ID},
        ),
    }
