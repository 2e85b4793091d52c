"""Rules send matching messages to the queue (hidden or deleted first when they say so and the
network allows it); a person confirms or restores."""

from __future__ import annotations

from typing import Any

import pytest
from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import instagram as ig
from tests.providers.fakenet import FakeNetwork, Reply

from hygie.accounts.actions import ActionError
from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel
from hygie.inbox.models import InboxItem
from hygie.moderation.actions import (
    do_apply_rules,
    do_confirm,
    do_create_rule,
    do_enqueue,
    do_restore,
    do_update_rule,
)
from hygie.moderation.models import ModerationRule, QueueEntry, QueueStatus, RuleAction
from hygie.moderation.state import state_of
from hygie.moderation.tasks import apply_rules

from .conftest import receive

pytestmark = pytest.mark.django_db


def rule(org: Organization, user: User, pattern: str, **data: Any) -> ModerationRule:
    values = {"name": pattern[:40], "pattern": pattern, "action": RuleAction.HIDE, **data}
    return do_create_rule(org, data=values, acting_user=user)


def test_a_rule_hides_a_matching_comment_and_queues_it_as_soon_as_it_arrives(
    django_capture_on_commit_callbacks: Any,
    net: FakeNetwork,
    org_a: Organization,
    alice: User,
    facebook: Channel,
) -> None:
    insult = rule(org_a, alice, "arnaqueurs\nescrocs", name="Insultes")
    with django_capture_on_commit_callbacks(execute=True):
        item = receive(facebook, "Vous êtes des ESCROCS !", external_id=fb.COMMENT_ID)

    entry = QueueEntry.objects.get(item=item)
    assert entry.status == QueueStatus.PENDING
    assert (entry.reason, entry.reason_label, entry.rule) == (
        f"rule:{insult.pk}",
        "Insultes",
        insult,
    )
    assert entry.matched_text == "escrocs"  # the listed phrase, found whatever the case
    assert entry.action_taken == "hide" and entry.action_error == ""
    assert entry.evidence.text == "Vous êtes des ESCROCS !"
    assert state_of(item).hidden
    [hide] = net.requests_to("POST", rf"/{fb.V}/{fb.COMMENT_ID}")
    assert hide.body == b"is_hidden=true"
    events = list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))
    assert events[-3:] == ["evidence.taken", "moderation_entry.queued", "inbox_item.hidden"]


def test_words_match_whole_words_whatever_the_case_and_accents(
    org_a: Organization, alice: User, facebook: Channel
) -> None:
    rule(org_a, alice, "arnaque", action=RuleAction.QUEUE)
    assert do_apply_rules(receive(facebook, "Quelle ARNÂQUE, franchement")) is not None
    assert do_apply_rules(receive(facebook, "Les arnaques aux faux médicaments")) is None
    assert do_apply_rules(receive(facebook, "Merci pour le conseil")) is None


def test_a_regular_expression_rule_matches_too(
    org_a: Organization, alice: User, facebook: Channel
) -> None:
    rule(org_a, alice, r"\b0[67](\s?\d{2}){4}\b", name="Numéros", match_kind="regex")
    entry = do_apply_rules(receive(facebook, "Appelez-moi au 06 12 34 56 78"))
    assert entry is not None and entry.matched_text == "06 12 34 56 78"


def test_rules_apply_only_to_their_channels_and_kinds_and_only_when_active(
    org_a: Organization, alice: User, facebook: Channel, instagram: Channel
) -> None:
    scoped = rule(org_a, alice, "arnaque", channels=[instagram], kinds=["comment"], action="queue")
    assert do_apply_rules(receive(facebook, "arnaque")) is None
    assert do_apply_rules(receive(instagram, "arnaque", kind="mention")) is None
    assert do_apply_rules(receive(instagram, "arnaque")) is not None
    do_update_rule(
        scoped,
        data={
            "name": "x",
            "pattern": "arnaque",
            "action": "queue",
            "is_active": False,
        },
        acting_user=alice,
    )
    assert do_apply_rules(receive(instagram, "arnaque")) is None


def test_rules_run_once_per_message(
    net: FakeNetwork, org_a: Organization, alice: User, fb_comment: InboxItem
) -> None:
    rule(org_a, alice, "escrocs")
    assert apply_rules(fb_comment.pk).startswith("queued as entry")
    assert apply_rules(fb_comment.pk) == "no rule matched"
    assert QueueEntry.objects.filter(item=fb_comment).count() == 1
    assert len(net.requests_to("POST", rf"/{fb.V}/{fb.COMMENT_ID}")) == 1


def test_the_strongest_matching_rule_wins(
    org_a: Organization, alice: User, ig_comment: InboxItem
) -> None:
    rule(org_a, alice, "arnaque", name="a", action=RuleAction.QUEUE)
    deleting = rule(org_a, alice, "arnaque", name="b", action=RuleAction.DELETE)
    entry = do_apply_rules(ig_comment)
    assert entry is not None and entry.rule == deleting
    assert entry.action_taken == "delete"
    assert state_of(ig_comment).deleted


def test_a_delete_the_network_does_not_allow_becomes_a_hide_or_stays_in_the_queue(
    net: FakeNetwork,
    org_a: Organization,
    alice: User,
    facebook: Channel,
    bsky_reply: InboxItem,
    masto_mention: InboxItem,
) -> None:
    rule(org_a, alice, "arnaque\nescrocs", action=RuleAction.DELETE)
    on_bluesky = do_apply_rules(bsky_reply)
    assert on_bluesky is not None
    assert (on_bluesky.planned_action, on_bluesky.action_taken) == ("delete", "hide")
    assert state_of(bsky_reply).hidden
    before = len(net.requests)
    on_mastodon = do_apply_rules(masto_mention)
    assert on_mastodon is not None and on_mastodon.action_taken == ""
    assert len(net.requests) == before  # Mastodon cannot hide nor delete: nothing was asked


def test_a_failed_hide_is_kept_on_the_entry_and_the_message_stays_to_review(
    net: FakeNetwork, org_a: Organization, alice: User, fb_comment: InboxItem
) -> None:
    net.route(
        "POST",
        rf"/{fb.V}/{fb.COMMENT_ID}",
        Reply(500, fb.ERROR_BODIES[500]),
        first=True,
    )
    rule(org_a, alice, "escrocs")
    entry = do_apply_rules(fb_comment)
    assert entry is not None and entry.status == QueueStatus.PENDING
    assert entry.action_taken == "" and "retry" in entry.action_error
    assert not state_of(fb_comment).hidden


def test_confirming_keeps_the_message_hidden(
    org_a: Organization, alice: User, bob: User, fb_comment: InboxItem
) -> None:
    rule(org_a, alice, "escrocs")
    entry = do_apply_rules(fb_comment)
    assert entry is not None
    do_confirm(entry, acting_user=bob, note="Insulte")
    entry.refresh_from_db()
    assert (entry.status, entry.decided_by, entry.decision_note) == ("confirmed", bob, "Insulte")
    assert state_of(fb_comment).hidden
    with pytest.raises(ActionError):
        do_restore(entry, acting_user=bob)


def test_restoring_shows_the_message_again_on_the_network(
    net: FakeNetwork, org_a: Organization, alice: User, bob: User, ig_comment: InboxItem
) -> None:
    rule(org_a, alice, "arnaque")
    entry = do_apply_rules(ig_comment)
    assert entry is not None and state_of(ig_comment).hidden
    do_restore(entry, acting_user=bob)
    entry.refresh_from_db()
    assert entry.status == QueueStatus.RESTORED and entry.decided_by == bob
    assert not state_of(ig_comment).hidden
    hide, unhide = net.requests_to("POST", rf"/{ig.V}/{ig.COMMENT_ID}")
    assert (hide.body, unhide.body) == (b"hide=true", b"hide=false")
    restored = AuditEvent.objects.get(verb="moderation_entry.restored")
    assert restored.after is not None and restored.after["unhidden"] is True


def test_a_restore_the_network_refuses_leaves_the_entry_to_review(
    net: FakeNetwork, org_a: Organization, alice: User, bob: User, ig_comment: InboxItem
) -> None:
    rule(org_a, alice, "arnaque")
    entry = do_apply_rules(ig_comment)
    assert entry is not None
    net.route(
        "POST", rf"/{ig.V}/{ig.COMMENT_ID}", Reply(400, ig.graph_error(100, "Nope")), first=True
    )
    with pytest.raises(ActionError, match="Nope"):
        do_restore(entry, acting_user=bob)
    entry.refresh_from_db()
    assert entry.status == QueueStatus.PENDING
    assert state_of(ig_comment).hidden


def test_restoring_a_message_that_was_only_queued_asks_nothing_of_the_network(
    net: FakeNetwork, org_a: Organization, alice: User, bob: User, fb_comment: InboxItem
) -> None:
    rule(org_a, alice, "escrocs", action=RuleAction.QUEUE)
    entry = do_apply_rules(fb_comment)
    assert entry is not None
    do_restore(entry, acting_user=bob)
    assert net.requests == []


def test_a_classifier_can_queue_a_message_with_its_score(ig_comment: InboxItem, bob: User) -> None:
    entry = do_enqueue(
        ig_comment,
        reason="classifier:toxicity",
        reason_label="Toxicité",
        score=0.93,
        action=RuleAction.HIDE,
    )
    assert entry.reason_kind == "classifier" and entry.score == 0.93
    assert entry.action_taken == "hide" and state_of(ig_comment).hidden
    # Already in front of a person: a second reason does not queue it twice.
    again = do_enqueue(ig_comment, reason="classifier:spam", reason_label="Spam")
    assert again.pk == entry.pk
    do_restore(entry, acting_user=bob)
    assert not state_of(ig_comment).hidden


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "pattern": "x"}, "needs a name"),
        ({"name": "r", "pattern": "  \n "}, "at least one word"),
        ({"name": "r", "pattern": "(", "match_kind": "regex"}, "not valid"),
        ({"name": "r", "pattern": "a*", "match_kind": "regex"}, "every message"),
        ({"name": "r", "pattern": "x", "kinds": ["fax"]}, "Unknown kind"),
    ],
)
def test_a_rule_that_cannot_work_is_refused(
    org_a: Organization, alice: User, data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ActionError, match=message):
        do_create_rule(org_a, data=data, acting_user=alice)


def test_a_delete_rule_needs_a_channel_whose_network_can_delete(
    org_a: Organization, alice: User, mastodon: Channel, facebook: Channel
) -> None:
    with pytest.raises(ActionError, match="choose hide"):
        rule(org_a, alice, "x", channels=[mastodon], action=RuleAction.DELETE)
    rule(org_a, alice, "x", channels=[facebook], action=RuleAction.DELETE)


def test_a_rule_cannot_use_a_channel_of_another_organisation(
    org_a: Organization, alice: User, populated_b: dict[str, Any]
) -> None:
    with pytest.raises(ActionError, match="another organisation"):
        rule(org_a, alice, "x", channels=[populated_b["channel"]], action=RuleAction.QUEUE)
