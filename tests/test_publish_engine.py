"""Publishing exactly once: every outcome of a network call, against a loopback fake network."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from tests.providers.fakenet import FakeNetwork, Recorded, Reply, fake_network

from hygie.accounts.models import Organization, User
from hygie.audit.models import AuditEvent
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Channel, RateLimitState
from hygie.publishing import engine
from hygie.publishing.actions import (
    ActionError,
    do_confirm_target_published,
    do_create_post,
    do_retry_target,
    do_schedule_post,
)
from hygie.publishing.models import AttemptStatus, Post, PublishAttempt, TargetStatus

pytestmark = pytest.mark.django_db


class MastodonSim:
    """A Mastodon instance that honours Idempotency-Key, as the documentation says it does."""

    def __init__(self, net: FakeNetwork) -> None:
        self.statuses: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        net.route("POST", r"/api/v1/statuses", self.create)

    def create(self, request: Recorded) -> Reply:
        key = request.headers.get("idempotency-key", "")
        with self.lock:
            if key not in self.statuses:
                number = str(1000 + len(self.statuses))
                self.statuses[key] = {
                    "id": number,
                    "url": f"https://mastodon.test/@pharma/{number}",
                    "content": f"<p>{request.json()['status']}</p>",
                    "created_at": timezone.now().isoformat(),
                }
            return Reply(200, self.statuses[key])


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


def channel(
    org: Organization, user: User, net: FakeNetwork, network: str = "mastodon", **settings: Any
) -> Channel:
    credentials = {"access_token": "tok"}
    return do_connect_channel(
        org,
        network=network,
        name=network,
        handle=f"{network}-handle",
        credentials=json.dumps(credentials),
        acting_user=user,
        base_url=net.url,
        settings=settings,
    )


def due_post(org: Organization, user: User, channels: list[Channel], text: str = "Conseil") -> Post:
    post = do_create_post(org, text=text, channels=channels, acting_user=user)
    do_schedule_post(post, when=timezone.now() + timedelta(minutes=1), acting_user=user)
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    return post


def run_all() -> list[str]:
    return [engine.run_attempt(pk).status for pk in engine.dispatch_due()]


def test_a_due_post_is_published_once_with_its_url_and_an_audit_event(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    sim = MastodonSim(net)
    post = due_post(org_a, alice, [channel(org_a, alice, net)])
    assert run_all() == ["published"]
    post.refresh_from_db()
    target = post.targets.get()
    assert post.status == "published" and target.status == TargetStatus.PUBLISHED
    assert target.external_url == "https://mastodon.test/@pharma/1000"
    attempt = target.attempts.get()
    assert sim.statuses.keys() == {attempt.idempotency_key}
    assert AuditEvent.objects.filter(verb="post_target.published", organization=org_a).exists()
    # Running the dispatcher and the same attempt again changes nothing and sends nothing.
    assert engine.dispatch_due() == []
    assert engine.run_attempt(attempt.pk).status == "published"
    assert len(net.requests_to("POST", r"/api/v1/statuses")) == 1


@pytest.mark.django_db(transaction=True)
def test_the_attempt_row_exists_before_the_network_is_called(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    seen: list[str] = []

    def spy(request: Recorded) -> Reply:
        seen.extend(PublishAttempt.objects.values_list("status", flat=True))
        connection.close()  # this runs in the fake server's thread
        return Reply(200, {"id": "1", "url": "https://mastodon.test/@p/1"})

    net.route("POST", r"/api/v1/statuses", spy)
    due_post(org_a, alice, [channel(org_a, alice, net)])
    run_all()
    assert seen == ["sending"]


def test_a_post_on_two_channels_is_published_when_both_are(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    MastodonSim(net)
    first = channel(org_a, alice, net)
    second = do_connect_channel(
        org_a,
        network="mastodon",
        name="m2",
        handle="@other",
        credentials='{"access_token": "t2"}',
        acting_user=alice,
        base_url=net.url,
    )
    post = due_post(org_a, alice, [first, second])
    assert sorted(run_all()) == ["published", "published"]
    post.refresh_from_db()
    assert post.status == "published"


def test_a_server_error_is_retried_later_with_the_same_key(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    net.route("POST", r"/api/v1/statuses", Reply(503, {"error": "busy"}), times=1)
    sim = MastodonSim(net)
    due_post(org_a, alice, [channel(org_a, alice, net)])
    assert run_all() == ["retry"]
    attempt = PublishAttempt.objects.get()
    assert attempt.next_try_at > timezone.now() + timedelta(seconds=20)
    assert attempt.error_kind == "transient"
    # Not due yet: nothing happens.
    assert engine.run_attempt(attempt.pk).status == "retry"
    PublishAttempt.objects.filter(pk=attempt.pk).update(next_try_at=timezone.now())
    assert engine.run_attempt(attempt.pk).status == "published"
    keys = {r.headers["idempotency-key"] for r in net.requests_to("POST", r"/api/v1/statuses")}
    assert keys == {attempt.idempotency_key} and len(sim.statuses) == 1


def test_a_rate_limit_holds_the_whole_channel_until_the_network_says(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    net.route(
        "POST",
        r"/api/v1/statuses",
        Reply(429, {"error": "Too many requests"}, {"Retry-After": "120"}),
        times=1,
    )
    MastodonSim(net)
    ch = channel(org_a, alice, net)
    due_post(org_a, alice, [ch], "first")
    assert run_all() == ["retry"]
    state = RateLimitState.objects.get(scope=f"channel:{ch.pk}")
    assert state.blocked_until > timezone.now() + timedelta(seconds=100)
    # Another post on the same channel waits too, without calling the network.
    due_post(org_a, alice, [ch], "second")
    assert run_all() == ["retry"]
    assert len(net.requests_to("POST", r"/api/v1/statuses")) == 1
    assert PublishAttempt.objects.filter(tries=0).count() == 2  # waiting is not a failed try


def test_a_refused_post_fails_with_the_network_reason(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    net.route(
        "POST", r"/api/v1/statuses", Reply(422, {"error": "Validation failed: Text can't be blank"})
    )
    post = due_post(org_a, alice, [channel(org_a, alice, net)])
    assert run_all() == ["failed"]
    post.refresh_from_db()
    target = post.targets.get()
    assert post.status == "failed"
    assert target.last_error == "Validation failed: Text can't be blank"


def test_an_expired_token_marks_the_channel_for_reconnection(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    net.route("POST", r"/api/v1/statuses", Reply(401, {"error": "The access token is invalid"}))
    ch = channel(org_a, alice, net)
    due_post(org_a, alice, [ch])
    assert run_all() == ["failed"]
    ch.refresh_from_db()
    assert ch.status == "needs_reconnect"
    assert "access token is invalid" in ch.last_error


def test_a_timeout_on_a_network_that_honours_the_key_is_retried_with_the_same_key(
    alice: User, org_a: Organization, net: FakeNetwork, settings: Any
) -> None:
    sim = MastodonSim(net)
    net.route(
        "POST",
        r"/api/v1/statuses",
        lambda r: (sim.create(r), Reply(200, b"<html>"))[1],
        times=1,
        first=True,
    )
    due_post(org_a, alice, [channel(org_a, alice, net)])
    # The first answer was garbled although the status was created: outcome unknown.
    assert run_all() == ["retry"]
    attempt = PublishAttempt.objects.get()
    assert attempt.error_kind == "outcome_unknown"
    assert engine.run_attempt(attempt.pk).status == "published"
    assert len(sim.statuses) == 1


def facebook_channel(org: Organization, user: User, net: FakeNetwork) -> Channel:
    return channel(org, user, net, "facebook_page", page_id="1234")


def test_an_unknown_outcome_on_facebook_asks_the_network_and_finds_the_post(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    net.route("POST", r"/v[\d.]+/1234/feed", Reply(200, b"garbled"))
    net.route(
        "GET",
        r"/v[\d.]+/1234/published_posts",
        lambda r: Reply(
            200,
            {
                "data": [
                    {
                        "id": "1234_99",
                        "message": "Conseil",
                        "created_time": timezone.now().isoformat(),
                        "permalink_url": "https://www.facebook.com/1234/posts/99",
                    }
                ]
            },
        ),
    )
    post = due_post(org_a, alice, [facebook_channel(org_a, alice, net)])
    assert run_all() == ["published"]
    assert post.targets.get().external_url == "https://www.facebook.com/1234/posts/99"
    assert len(net.requests_to("POST", r"/v[\d.]+/1234/feed")) == 1


def test_an_unknown_outcome_that_the_network_cannot_confirm_waits_for_a_person(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    net.route("POST", r"/v[\d.]+/1234/feed", Reply(200, b"garbled"))
    net.route("GET", r"/v[\d.]+/1234/published_posts", Reply(200, {"data": []}))
    post = due_post(org_a, alice, [facebook_channel(org_a, alice, net)])
    assert run_all() == ["unconfirmed"]
    target = post.targets.get()
    assert target.status == TargetStatus.UNCONFIRMED
    attempt = target.attempts.get()
    assert "not found on Facebook" in attempt.lookup_note
    # Nothing retries it on its own.
    assert engine.dispatch_due() == []
    assert engine.recover_stuck() == []
    assert len(net.requests_to("POST", r"/v[\d.]+/1234/feed")) == 1
    # The person checks the page and says it is there.
    do_confirm_target_published(
        target, url="https://www.facebook.com/1234/posts/7", acting_user=alice
    )
    post.refresh_from_db()
    assert post.status == "published"
    with pytest.raises(ActionError):
        do_retry_target(target, acting_user=alice)


def test_a_person_may_publish_again_after_a_failure_with_a_new_key(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    net.route("POST", r"/api/v1/statuses", Reply(500, {"error": "boom"}), times=1)
    net.route("POST", r"/api/v1/statuses", Reply(422, {"error": "Validation failed"}), times=1)
    sim = MastodonSim(net)
    post = due_post(org_a, alice, [channel(org_a, alice, net)])
    attempt_id = engine.dispatch_due()[0]
    engine.run_attempt(attempt_id)
    PublishAttempt.objects.filter(pk=attempt_id).update(next_try_at=timezone.now())
    assert engine.run_attempt(attempt_id).status == "failed"
    target = post.targets.get()
    retry = do_retry_target(target, acting_user=alice)
    assert retry.idempotency_key != PublishAttempt.objects.get(pk=attempt_id).idempotency_key
    assert engine.run_attempt(retry.pk).status == "published"
    assert len(sim.statuses) == 1


def test_an_attempt_left_sending_by_a_dead_worker_is_settled(
    alice: User, org_a: Organization, net: FakeNetwork, settings: Any
) -> None:
    sim = MastodonSim(net)
    due_post(org_a, alice, [channel(org_a, alice, net)])
    attempt_id = engine.dispatch_due()[0]
    # A worker claimed it and died before recording anything.
    PublishAttempt.objects.filter(pk=attempt_id).update(
        status=AttemptStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=10), tries=1
    )
    settings.HYGIE_PUBLISH_LEASE_SECONDS = 60
    assert engine.recover_stuck() == [attempt_id]
    assert engine.run_attempt(attempt_id).status == "published"
    assert len(sim.statuses) == 1
    # A fresh claim is left alone: its worker may still be sending.
    assert engine.recover_stuck() == []


def test_two_workers_cannot_both_send_the_same_attempt(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    MastodonSim(net)
    due_post(org_a, alice, [channel(org_a, alice, net)])
    attempt_id = engine.dispatch_due()[0]
    now = timezone.now()
    assert engine._claim(attempt_id, now) is True
    assert engine._claim(attempt_id, now) is False


def test_a_late_answer_from_a_worker_believed_dead_is_ignored(
    alice: User, org_a: Organization, net: FakeNetwork
) -> None:
    """Recovery took the attempt back; the first worker's answer must not be recorded too."""
    MastodonSim(net)
    due_post(org_a, alice, [channel(org_a, alice, net)])
    attempt_id = engine.dispatch_due()[0]
    assert engine._claim(attempt_id, timezone.now())
    stale_view = PublishAttempt.objects.get(pk=attempt_id)  # what the slow worker holds
    # Recovery re-claims it (a newer claimed_at) and publishes.
    PublishAttempt.objects.filter(pk=attempt_id).update(
        claimed_at=timezone.now() + timedelta(seconds=1)
    )
    assert engine._succeed(stale_view, "late", "https://late.example").status == "lost"
    assert PublishAttempt.objects.get(pk=attempt_id).external_id == ""
    assert not AuditEvent.objects.filter(verb="post_target.published").exists()
