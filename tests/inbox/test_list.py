"""The inbox list: filters, search, keyset pagination, a constant number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.inbox.conftest import receive

from hygie.accounts.models import User
from hygie.channels.models import Channel
from hygie.inbox.actions import do_assign_conversation, do_set_conversation_status
from hygie.inbox.models import Conversation

pytestmark = pytest.mark.django_db


def names(page: str) -> set[str]:
    return set(re.findall(r"<strong>(Who-\w+)</strong>", page))


def test_filters_narrow_the_list(
    alice: User, bob: User, alice_client: Client, channel_a: Channel, bluesky_a: Channel
) -> None:
    receive(channel_a, author="Who-comment")
    dm = receive(channel_a, kind="direct_message", author="Who-dm", author_external_id="dm")
    review = receive(channel_a, kind="review", author="Who-review", rating=4)
    sky = receive(bluesky_a, kind="mention", author="Who-sky")
    done = receive(channel_a, author="Who-done")
    do_set_conversation_status(done.conversation, status="done", acting_user=alice)
    do_assign_conversation(dm.conversation, assignee=alice, acting_user=alice)
    do_assign_conversation(review.conversation, assignee=bob, acting_user=alice)

    def listed(query: str = "") -> set[str]:
        return names(alice_client.get(f"/o/alpha/inbox/?{query}").content.decode())

    assert listed() == {"Who-comment", "Who-dm", "Who-review", "Who-sky"}
    assert listed("status=all") == listed() | {"Who-done"}
    assert listed("status=done") == {"Who-done"}
    assert listed("status=open") == {"Who-dm", "Who-review"}
    assert listed("kind=direct") == {"Who-dm"}
    assert listed("kind=comment_thread") == {"Who-comment", "Who-sky"}
    assert listed("network=bluesky") == {"Who-sky"}
    assert listed(f"channel={sky.channel_id}") == {"Who-sky"}
    assert listed("assignee=me") == {"Who-dm"}
    assert listed("assignee=unassigned") == {"Who-comment", "Who-sky"}
    assert listed("kind=nonsense&status=nonsense") == listed()


def test_search_finds_any_message_of_a_thread_and_author_names(
    alice_client: Client, channel_a: Channel
) -> None:
    first = receive(
        channel_a,
        "Avez-vous du paracétamol ?",
        kind="direct_message",
        author="Who-lea",
        author_external_id="lea",
        ago=timedelta(hours=2),
    )
    receive(
        channel_a,
        "Merci",
        kind="direct_message",
        author="Who-lea",
        author_external_id="lea",
        ago=timedelta(hours=1),
    )
    receive(channel_a, "Bonjour", author="Who-paul")
    assert first.conversation.last_excerpt != "Merci"  # the list shows the newest message…

    def found(q: str) -> set[str]:
        return names(alice_client.get("/o/alpha/inbox/", {"q": q}).content.decode())

    assert found("paracétamol") == {"Who-lea"}  # …and search still finds the older one
    assert found("who-paul") == {"Who-paul"}
    assert found("introuvable") == set()


def test_older_pages_follow_the_keyset_without_gaps_or_repeats(
    alice_client: Client, channel_a: Channel
) -> None:
    now = timezone.now().replace(microsecond=0)
    for n in range(120):
        # Pairs of conversations share a timestamp: the id breaks the tie.
        receive(
            channel_a, f"message {n}", author=f"Who-{n:03d}", at=now - timedelta(minutes=n // 2)
        )
    seen: list[str] = []
    url = "/o/alpha/inbox/?status=all"
    pages = 0
    while url:
        page = alice_client.get(url).content.decode()
        seen += re.findall(r"<strong>(Who-\d+)</strong>", page)
        # Past the first page, a link leads back to the newest conversations.
        assert ('<a href="?status=all">' in page) == (pages > 0)
        older = re.search(r'<a href="\?([^"]+)" rel="next">', page)
        url = "/o/alpha/inbox/?" + older.group(1).replace("&amp;", "&") if older else ""
        pages += 1
        assert pages < 10
    assert pages == 3
    assert len(seen) == len(set(seen)) == 120
    expected = [
        c.last_author_name
        for c in Conversation.objects.filter(channel=channel_a).order_by("-last_message_at", "-id")
    ]
    assert seen == expected


def test_a_bad_cursor_is_ignored(alice_client: Client, channel_a: Channel) -> None:
    receive(channel_a, author="Who-one")
    page = alice_client.get("/o/alpha/inbox/?before=not-a-cursor").content.decode()
    assert "Who-one" in page


def count_list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/o/alpha/inbox/?status=all")
    assert response.status_code == 200
    return len(queries)


def test_the_list_page_runs_the_same_number_of_queries_for_3_or_60_conversations(
    alice: User, alice_client: Client, channel_a: Channel, bluesky_a: Channel
) -> None:
    for n in range(3):
        item = receive(
            channel_a if n % 2 else bluesky_a,
            author=f"Who-{n}",
            kind="direct_message",
            author_external_id=f"a{n}",
        )
        do_assign_conversation(item.conversation, assignee=alice, acting_user=alice)
    count_list_queries(alice_client)  # warm the session and caches
    few = count_list_queries(alice_client)
    for n in range(3, 60):
        item = receive(
            channel_a if n % 2 else bluesky_a,
            author=f"Who-{n}",
            kind="direct_message",
            author_external_id=f"a{n}",
        )
        do_assign_conversation(item.conversation, assignee=alice, acting_user=alice)
    many = count_list_queries(alice_client)
    assert few == many, f"{few} queries with 3 conversations, {many} with 60"
    # The filters and the search do not add a query per row either.
    with CaptureQueriesContext(connection) as queries:
        alice_client.get("/o/alpha/inbox/", {"q": "Who", "sla": "breached", "assignee": "me"})
    assert len(queries) == many


def test_the_conversation_page_runs_the_same_number_of_queries_for_2_or_30_messages(
    alice_client: Client, channel_a: Channel
) -> None:
    first = receive(channel_a, kind="direct_message", author_external_id="x")
    receive(channel_a, kind="direct_message", author_external_id="x")
    url = f"/o/alpha/inbox/c/{first.conversation_id}/"
    alice_client.get(url)
    with CaptureQueriesContext(connection) as few:
        alice_client.get(url)
    for _n in range(28):
        receive(channel_a, kind="direct_message", author_external_id="x")
    with CaptureQueriesContext(connection) as many:
        alice_client.get(url)
    assert len(few) == len(many)


def test_keyboard_actions_answer_with_the_updated_row(
    alice: User, alice_client: Client, channel_a: Channel
) -> None:
    item = receive(channel_a, author="Who-key")
    page = alice_client.get("/o/alpha/inbox/").content.decode()
    assert (
        "data-inbox-list" in page
        and f'data-status-url="/o/alpha/inbox/c/{item.conversation_id}/status/"' in page
    )
    assert 'id="inbox-announce"' in page and 'aria-live="polite"' in page
    row = alice_client.post(
        f"/o/alpha/inbox/c/{item.conversation_id}/assign/",
        {"assignee": "me"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert row.lstrip().startswith('<li class="inbox-item status-open"') and "data-announce=" in row
    row = alice_client.post(
        f"/o/alpha/inbox/c/{item.conversation_id}/status/",
        {"status": "done"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'status-done"' in row
    conversation = Conversation.objects.get(pk=item.conversation_id)
    assert conversation.status == "done" and conversation.assigned_to == alice


def test_a_member_of_another_organisation_gets_404_for_its_conversations(
    alice_client: Client, populated_b: dict[str, object]
) -> None:
    theirs = populated_b["conversation"]
    assert isinstance(theirs, Conversation)
    assert alice_client.get(f"/o/alpha/inbox/c/{theirs.pk}/").status_code == 404
    assert alice_client.get(f"/o/beta/inbox/c/{theirs.pk}/").status_code == 404
    assert (
        alice_client.post(f"/o/alpha/inbox/c/{theirs.pk}/status/", {"status": "done"}).status_code
        == 404
    )
    assert alice_client.post(f"/o/alpha/inbox/c/{theirs.pk}/presence/").status_code == 404
    assert (
        alice_client.post(f"/o/alpha/inbox/c/{theirs.pk}/notes/", {"text": "x"}).status_code == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == "new"
    assert "CANARY" not in alice_client.get("/o/alpha/inbox/?status=all").content.decode()
