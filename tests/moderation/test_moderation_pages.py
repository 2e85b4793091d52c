"""The moderation buttons of a conversation, the queue, the evidence and the rules pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import login, make_user
from tests.providers.contracts import facebook_page as fb
from tests.providers.fakenet import FakeNetwork

from hygie.accounts.actions import do_add_member
from hygie.accounts.models import Organization, User
from hygie.accounts.roles import Role
from hygie.channels.models import Channel
from hygie.inbox.models import InboxItem
from hygie.moderation.actions import do_apply_rules, do_create_rule, do_moderate
from hygie.moderation.models import ModerationRule, QueueEntry, QueueStatus
from hygie.moderation.state import state_of

from .conftest import receive

pytestmark = pytest.mark.django_db


def conversation_url(item: InboxItem) -> str:
    return reverse(
        "inbox:conversation",
        kwargs={"org_slug": "alpha", "conversation_id": item.conversation_id},
    )


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"moderation:{name}", kwargs={"org_slug": "alpha", **kwargs})


def offered(client: Client, item: InboxItem) -> list[str]:
    page = client.get(conversation_url(item)).content.decode()
    start = page.index(f'data-moderation-item="{item.pk}"') if "data-moderation-item" in page else 0
    block = page[start : page.find("</div>", start)] if start else ""
    return [a for a in ("hide", "unhide", "delete", "block") if f'data-moderate="{a}"' in block]


def test_a_conversation_offers_the_actions_the_network_allows_and_only_those(
    client: Client, bob: User, fb_comment: InboxItem, masto_mention: InboxItem
) -> None:
    login(client, bob)
    assert offered(client, fb_comment) == ["hide", "delete", "block"]
    assert offered(client, masto_mention) == ["block"]


def test_a_hidden_comment_offers_to_show_it_again(
    client: Client, bob: User, fb_comment: InboxItem
) -> None:
    do_moderate(fb_comment, "hide", acting_user=bob)
    login(client, bob)
    assert offered(client, fb_comment) == ["unhide", "delete", "block"]


def test_members_who_do_not_answer_the_public_see_no_moderation(
    client: Client, org_a: Organization, fb_comment: InboxItem
) -> None:
    analyst = make_user("ana@alpha.test", "Ana Analyst")
    do_add_member(org_a, email=analyst.email, full_name="", roles=[Role.ANALYST], acting_user=None)
    login(client, analyst)
    page = client.get(conversation_url(fb_comment))
    assert page.status_code == 200
    assert b"data-moderate=" not in page.content
    response = client.post(url("item_moderate", item_id=fb_comment.pk), {"action": "hide"})
    assert response.status_code == 403


def test_the_conversation_page_reads_moderation_in_a_fixed_number_of_queries(
    client: Client, bob: User, facebook: Channel, fb_comment: InboxItem
) -> None:
    login(client, bob)
    with CaptureQueriesContext(connection) as few:
        client.get(conversation_url(fb_comment))
    for n in range(6):
        receive(facebook, f"Réponse {n}", parent_external_id=fb.COMMENT_ID)
    with CaptureQueriesContext(connection) as many:
        client.get(conversation_url(fb_comment))
    assert len(many) <= len(few) + 2  # the thread may add its own, moderation adds none


def test_hiding_from_the_conversation_page_asks_the_network_and_comes_back(
    client: Client, net: FakeNetwork, bob: User, fb_comment: InboxItem
) -> None:
    login(client, bob)
    response = client.post(url("item_moderate", item_id=fb_comment.pk), {"action": "hide"})
    assert response.status_code == 302
    assert response["Location"] == f"{conversation_url(fb_comment)}#item-{fb_comment.pk}"
    assert state_of(fb_comment).hidden
    assert len(net.requests_to("POST", rf"/{fb.V}/{fb.COMMENT_ID}")) == 1


def test_an_action_the_network_does_not_allow_is_refused_without_calling_it(
    client: Client, net: FakeNetwork, bob: User, masto_mention: InboxItem
) -> None:
    login(client, bob)
    response = client.post(
        url("item_moderate", item_id=masto_mention.pk), {"action": "hide"}, follow=True
    )
    assert response.status_code == 200
    assert net.requests == []
    bad = client.post(url("item_moderate", item_id=masto_mention.pk), {"action": "ban"})
    assert bad.status_code == 400


def test_the_queue_shows_the_evidence_and_the_reason_and_takes_decisions(
    client: Client,
    net: FakeNetwork,
    org_a: Organization,
    alice: User,
    bob: User,
    fb_comment: InboxItem,
    ig_comment: InboxItem,
) -> None:
    rule = do_create_rule(
        org_a,
        data={"name": "Insultes", "pattern": "escrocs\narnaque", "action": "hide"},
        acting_user=alice,
    )
    first, second = do_apply_rules(fb_comment), do_apply_rules(ig_comment)
    assert first is not None and second is not None
    login(client, bob)
    page = client.get(url("queue")).content.decode()
    assert f'id="entry-{first.pk}"' in page and f'id="entry-{second.pk}"' in page
    assert "Vous êtes des escrocs" in page and "Insultes" in page
    assert first.evidence.sha256[:8] in page
    assert f'data-reason="rule:{rule.pk}"' in page
    assert url("entry_confirm", entry_id=first.pk) in page
    assert url("entry_restore", entry_id=first.pk) in page

    response = client.post(url("entry_confirm", entry_id=first.pk), {"note": "Insulte"})
    assert response.status_code == 302
    response = client.post(url("entry_restore", entry_id=second.pk))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (QueueStatus.CONFIRMED, QueueStatus.RESTORED)
    assert state_of(fb_comment).hidden and not state_of(ig_comment).hidden

    pending = client.get(url("queue")).content.decode()
    assert f'id="entry-{first.pk}"' not in pending
    decided = client.get(url("queue"), {"status": "confirmed"}).content.decode()
    assert f'id="entry-{first.pk}"' in decided and f'id="entry-{second.pk}"' not in decided
    by_rule = client.get(url("queue"), {"status": "all", "rule": rule.pk}).content.decode()
    assert f'id="entry-{second.pk}"' in by_rule


def test_the_evidence_page_shows_the_original_and_that_it_is_intact(
    client: Client, bob: User, fb_comment: InboxItem
) -> None:
    log = do_moderate(fb_comment, "delete", acting_user=bob)
    login(client, bob)
    page = client.get(url("evidence", evidence_id=log.evidence_id)).content.decode()
    assert "Vous êtes des escrocs" in page
    assert log.evidence.sha256 in page
    assert "sev-ok" in page


def test_only_managers_write_rules(
    client: Client, org_a: Organization, alice: User, bob: User, facebook: Channel
) -> None:
    data = {
        "name": "Injures",
        "match_kind": "words",
        "pattern": "escrocs",
        "action": "hide",
        "channels": [facebook.pk],
        "kinds": ["comment"],
        "is_active": "on",
    }
    login(client, bob)
    page = client.get(url("rules"))
    assert page.status_code == 200 and b'name="pattern"' not in page.content
    assert client.post(url("rules"), data).status_code == 403
    assert not ModerationRule.objects.exists()

    login(client, alice)
    assert client.post(url("rules"), data).status_code == 302
    rule = ModerationRule.objects.get()
    assert list(rule.channels.all()) == [facebook] and rule.kinds == ["comment"]

    login(client, bob)
    assert client.get(url("rule_edit", rule_id=rule.pk)).status_code == 403
    assert client.post(url("rule_delete", rule_id=rule.pk)).status_code == 403

    login(client, alice)
    edited = {**data, "pattern": "escrocs\nvoleurs", "channels": []}
    assert client.post(url("rule_edit", rule_id=rule.pk), edited).status_code == 302
    rule.refresh_from_db()
    assert rule.pattern == "escrocs\nvoleurs" and not rule.channels.exists()
    invalid = client.post(
        url("rule_edit", rule_id=rule.pk), {**data, "match_kind": "regex", "pattern": "("}
    )
    assert invalid.status_code == 200 and b"form-errors" in invalid.content
    assert client.post(url("rule_delete", rule_id=rule.pk)).status_code == 302
    assert not ModerationRule.objects.exists()


def test_a_deleted_rule_leaves_its_entries_with_their_reason(
    org_a: Organization, alice: User, fb_comment: InboxItem, client: Client
) -> None:
    rule = do_create_rule(org_a, data={"name": "Insultes", "pattern": "escrocs"}, acting_user=alice)
    entry = do_apply_rules(fb_comment)
    assert entry is not None
    login(client, alice)
    client.post(url("rule_delete", rule_id=rule.pk))
    entry.refresh_from_db()
    assert entry.rule is None and entry.reason_label == "Insultes"
    assert "Insultes" in client.get(url("queue")).content.decode()


def test_nothing_of_another_organisation_is_reachable(
    client: Client, alice: User, org_a: Organization, populated_b: dict[str, Any]
) -> None:
    login(client, alice)
    entry: QueueEntry = populated_b["queue_entry"]
    for path in (
        url("evidence", evidence_id=entry.evidence_id),
        url("rule_edit", rule_id=populated_b["moderation_rule"].pk),
    ):
        assert client.get(path).status_code == 404
    for path in (
        url("entry_confirm", entry_id=entry.pk),
        url("entry_restore", entry_id=entry.pk),
        url("rule_delete", rule_id=populated_b["moderation_rule"].pk),
    ):
        assert client.post(path).status_code == 404
    moderate = url("item_moderate", item_id=populated_b["item"].pk)
    assert client.post(moderate, {"action": "block"}).status_code == 404
    assert client.get(reverse("moderation:queue", kwargs={"org_slug": "beta"})).status_code == 404
    entry.refresh_from_db()
    assert entry.status == QueueStatus.PENDING
