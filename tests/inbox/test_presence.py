"""Two members answering the same conversation: the second one is warned."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.conftest import login
from tests.inbox.conftest import receive

from hygie.accounts.models import User
from hygie.channels.models import Channel
from hygie.inbox import presence

pytestmark = pytest.mark.django_db


def test_the_second_member_is_told_who_is_already_answering(
    client: Client, alice_client: Client, bob: User, channel_a: Channel
) -> None:
    item = receive(channel_a, "Une question")
    url = f"/o/alpha/inbox/c/{item.conversation_id}/"
    bob_client = Client()
    login(bob_client, bob)
    # Bob opens the reply box: his mark is recorded, and nobody else is writing.
    answer = bob_client.post(url + "presence/", {"open": "1"}).content.decode()
    assert "data-replying" not in answer
    alice_page = alice_client.get(url).content.decode()
    warning = f'<p class="notice" data-replying="{bob.pk}">Bob Manager '
    assert warning in alice_page
    # Alice opens hers too: the refresh tells her about Bob, and Bob about Alice.
    assert "Bob Manager" in alice_client.post(url + "presence/", {"open": "1"}).content.decode()
    assert "Alice Owner" in bob_client.post(url + "presence/", {"open": "1"}).content.decode()
    # Bob's own page never warns him about himself.
    assert f'data-replying="{bob.pk}"' not in bob_client.get(url).content.decode()
    # Bob closes the reply box: the warning goes away.
    bob_client.post(url + "presence/", {"open": "0"})
    assert f'data-replying="{bob.pk}"' not in alice_client.get(url).content.decode()


def test_a_mark_expires_and_keeps_the_time_it_started(bob: User, channel_a: Channel) -> None:
    item = receive(channel_a)
    first = presence.mark_replying(item.conversation_id, bob)
    again = presence.mark_replying(item.conversation_id, bob)
    assert again.since == first.since
    assert presence.PRESENCE_SECONDS <= 150 and presence.REFRESH_SECONDS < presence.PRESENCE_SECONDS


def test_the_reply_box_polls_presence_and_checks_compliance_live(
    alice_client: Client, channel_a: Channel
) -> None:
    item = receive(channel_a, "Une question")
    page = alice_client.get(f"/o/alpha/inbox/c/{item.conversation_id}/?reply=1").content.decode()
    assert f'hx-post="/o/alpha/compliance/check/reply/{item.pk}/"' in page
    assert 'hx-trigger="keyup changed delay:400ms"' in page and 'id="id_reply" name="text"' in page
    assert "every 20s" in page and "/presence/" in page
    assert '<details id="reply-area" class="card" open>' in page
