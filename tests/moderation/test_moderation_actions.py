"""Moderating messages: evidence first, then the network, then the outcome, all audited."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.utils import timezone
from tests.providers.contracts import bluesky as bsky
from tests.providers.contracts import facebook_page as fb
from tests.providers.contracts import instagram as ig
from tests.providers.contracts import mastodon as masto
from tests.providers.fakenet import FakeNetwork, Recorded, Reply

from hygie.accounts.actions import ActionError
from hygie.accounts.models import User
from hygie.audit.models import AuditEvent
from hygie.channels.models import Channel
from hygie.inbox.models import InboxItem
from hygie.moderation.actions import (
    ModerationFailed,
    do_moderate,
    do_take_evidence,
    evidence_intact,
)
from hygie.moderation.models import Evidence, ImmutableError, ModerationLog, Outcome
from hygie.moderation.state import state_of
from hygie.providers.inbound import ModerationAction

from .conftest import receive

pytestmark = pytest.mark.django_db

HIDE, UNHIDE, DELETE, BLOCK = (
    ModerationAction.HIDE,
    ModerationAction.UNHIDE,
    ModerationAction.DELETE,
    ModerationAction.BLOCK,
)


def verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))


def test_the_evidence_is_taken_before_the_network_is_asked(
    net: FakeNetwork, fb_comment: InboxItem, bob: User
) -> None:
    asked_at: list[datetime] = []

    def hide(recorded: Recorded) -> Reply:
        asked_at.append(timezone.now())
        return Reply(200, fb.SUCCESS)

    net.route("POST", rf"/{fb.V}/{fb.COMMENT_ID}", hide, first=True)
    log = do_moderate(fb_comment, HIDE, acting_user=bob)

    evidence = log.evidence
    assert evidence.taken_at <= asked_at[0]
    assert log.created_at <= asked_at[0] <= log.finished_at  # type: ignore[operator]
    assert evidence.text == "Vous êtes des escrocs"
    assert (evidence.author_name, evidence.author_handle) == ("Troll", "@troll")
    assert evidence.author_external_id == fb.COMMENTER_ID
    assert evidence.received_at == fb_comment.received_at
    assert evidence.permalink == "https://example.org/comment"
    assert evidence.external_id == fb.COMMENT_ID and evidence.network == "facebook_page"
    assert evidence.taken_by == bob
    assert evidence_intact(evidence)
    assert log.outcome == Outcome.DONE
    assert state_of(fb_comment).hidden
    assert verbs()[-2:] == ["evidence.taken", "inbox_item.hidden"]


def test_a_refusal_keeps_the_evidence_and_says_why(
    net: FakeNetwork, fb_comment: InboxItem, bob: User
) -> None:
    net.route(
        "POST",
        rf"/{fb.V}/{fb.COMMENT_ID}",
        Reply(
            400,
            fb.graph_error(
                100,
                "(#100) Invalid parameter",
                error_user_msg="Ce commentaire ne peut pas être masqué.",
            ),
        ),
        first=True,
    )
    with pytest.raises(ModerationFailed, match="ne peut pas être masqué") as failed:
        do_moderate(fb_comment, HIDE, acting_user=bob)

    log = ModerationLog.objects.get(pk=failed.value.log.pk)
    assert log.outcome == Outcome.FAILED
    assert log.error == "Ce commentaire ne peut pas être masqué."
    assert Evidence.objects.filter(item=fb_comment).count() == 1
    assert not state_of(fb_comment).hidden
    assert HIDE in state_of(fb_comment).actions  # may be tried again
    assert verbs()[-2:] == ["evidence.taken", "moderation.failed"]


def test_an_unreachable_network_keeps_the_evidence_too(
    fb_comment: InboxItem, facebook: Channel, bob: User
) -> None:
    Channel.objects.filter(pk=facebook.pk).update(base_url="http://127.0.0.1:9")
    with pytest.raises(ModerationFailed):
        do_moderate(fb_comment, DELETE, acting_user=bob)
    assert Evidence.objects.filter(item=fb_comment).exists()
    assert ModerationLog.objects.get(item=fb_comment).error_kind == "transient"
    assert not state_of(fb_comment).deleted


@pytest.mark.parametrize(
    ("fixture", "action", "method", "path", "sent"),
    [
        ("fb_comment", HIDE, "POST", rf"/{fb.V}/{fb.COMMENT_ID}", "is_hidden=true"),
        ("fb_comment", DELETE, "DELETE", rf"/{fb.V}/{fb.COMMENT_ID}", ""),
        ("fb_comment", BLOCK, "POST", rf"/{fb.V}/{fb.PAGE_ID}/blocked", fb.COMMENTER_ID),
        ("ig_comment", HIDE, "POST", rf"/{ig.V}/{ig.COMMENT_ID}", "hide=true"),
        ("ig_comment", DELETE, "DELETE", rf"/{ig.V}/{ig.COMMENT_ID}", ""),
        ("masto_mention", BLOCK, "POST", rf"/api/v1/accounts/{masto.ACCOUNT_ID}/block", ""),
        ("bsky_reply", HIDE, "POST", r"/xrpc/com\.atproto\.repo\.putRecord", bsky.REPLY_URI),
        ("bsky_reply", BLOCK, "POST", r"/xrpc/com\.atproto\.repo\.createRecord", bsky.TROLL_DID),
    ],
)
def test_each_network_moderates_through_its_contract(
    request: pytest.FixtureRequest,
    net: FakeNetwork,
    bob: User,
    fixture: str,
    action: ModerationAction,
    method: str,
    path: str,
    sent: str,
) -> None:
    item: InboxItem = request.getfixturevalue(fixture)
    log = do_moderate(item, action, acting_user=bob)
    assert log.outcome == Outcome.DONE
    [call] = net.requests_to(method, path)
    assert sent in call.body.decode()
    state = state_of(item)
    assert state.hidden == (action == HIDE)
    assert state.deleted == (action == DELETE)
    assert state.author_blocked == (action == BLOCK)
    assert action not in state.actions  # done: not offered again


def test_a_hidden_comment_is_shown_again_and_can_then_be_hidden_again(
    net: FakeNetwork, ig_comment: InboxItem, bob: User
) -> None:
    do_moderate(ig_comment, HIDE, acting_user=bob)
    assert state_of(ig_comment).actions == (UNHIDE, DELETE)
    do_moderate(ig_comment, UNHIDE, acting_user=bob)
    assert state_of(ig_comment).actions == (HIDE, DELETE)
    bodies = [parse_qs(r.body.decode()) for r in net.requests_to("POST", rf"/{ig.V}/.*")]
    assert bodies == [{"hide": ["true"]}, {"hide": ["false"]}]
    # The same content is kept once, whatever the number of actions.
    assert Evidence.objects.filter(item=ig_comment).count() == 1
    assert ModerationLog.objects.filter(item=ig_comment).count() == 2


def test_actions_a_network_does_not_allow_are_refused_before_any_call(
    net: FakeNetwork, masto_mention: InboxItem, bob: User
) -> None:
    for action in (HIDE, UNHIDE, DELETE):
        with pytest.raises(ActionError):
            do_moderate(masto_mention, action, acting_user=bob)
    assert net.requests == []
    assert not Evidence.objects.exists()


def test_a_deleted_comment_offers_nothing_but_blocking_its_author(
    fb_comment: InboxItem, bob: User
) -> None:
    do_moderate(fb_comment, DELETE, acting_user=bob)
    assert state_of(fb_comment).actions == (BLOCK,)
    assert InboxItem.objects.filter(pk=fb_comment.pk).exists()  # never removed from Hygie


def test_a_blocked_author_is_blocked_on_every_message(
    facebook: Channel, fb_comment: InboxItem, bob: User
) -> None:
    later = receive(
        facebook, "Encore moi", external_id="other-1", author_external_id=fb.COMMENTER_ID
    )
    do_moderate(fb_comment, BLOCK, acting_user=bob)
    assert BLOCK not in state_of(later).actions
    assert AuditEvent.objects.filter(verb="author.blocked").get().target_id == str(
        fb_comment.author_id
    )


def test_our_own_messages_offer_no_moderation(
    facebook: Channel, fb_comment: InboxItem, bob: User
) -> None:
    from hygie.inbox.actions import do_record_outbound

    ours = do_record_outbound(
        fb_comment.conversation,
        text="Bonjour",
        sent_by=bob,
        external_id="ours-1",
        sent_at=timezone.now(),
    )
    assert state_of(ours).actions == ()


def test_evidence_can_be_neither_changed_nor_deleted(fb_comment: InboxItem, bob: User) -> None:
    evidence = do_take_evidence(fb_comment, acting_user=bob)
    evidence.text = "réécrit"
    with pytest.raises(ImmutableError):
        evidence.save()
    with pytest.raises(ImmutableError):
        Evidence.objects.filter(pk=evidence.pk).update(text="réécrit")
    with pytest.raises(ImmutableError):
        evidence.delete()
    with pytest.raises(ImmutableError):
        Evidence.objects.filter(pk=evidence.pk).delete()
    with pytest.raises(Exception, match="evidence is never changed"), connection.cursor() as c:
        c.execute("UPDATE moderation_evidence SET text = 'x' WHERE id = %s", [evidence.pk])


def test_evidence_proves_what_was_received_even_after_the_message_changes(
    fb_comment: InboxItem, bob: User
) -> None:
    first = do_take_evidence(fb_comment, acting_user=bob)
    InboxItem.objects.filter(pk=fb_comment.pk).update(text="Édité par son auteur")
    second = do_take_evidence(fb_comment, acting_user=bob)
    assert second.pk != first.pk and second.sha256 != first.sha256
    first.refresh_from_db()
    assert first.text == "Vous êtes des escrocs" and evidence_intact(first)
