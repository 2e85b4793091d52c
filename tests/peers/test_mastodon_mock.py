"""Hygie's Mastodon provider and publishing engine against mastodon-mock, a stateful
implementation of the Mastodon REST API (PyPI, MIT), read back with Mastodon.py."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone
from tests.conftest import tiny_png

from hygie.accounts.models import Organization, User
from hygie.channels.actions import do_connect_channel
from hygie.providers.base import Account, MediaItem, OutboundPost
from hygie.providers.errors import OutcomeUnknown
from hygie.providers.http import ProviderHttp
from hygie.providers.mastodon.provider import MastodonProvider
from hygie.publishing import engine
from hygie.publishing.actions import do_create_post, do_schedule_post
from hygie.publishing.models import Post, PublishAttempt

ALT = "Affiche : dépistage du diabète à la pharmacie"


@contextmanager
def fault(server: Any, *, path: str, effect: dict[str, Any], count: int = 1) -> Iterator[None]:
    """A fault-injection rule of the mock (POST /api/v1/_mock/faults), removed afterwards.

    (mastodon-mock 0.6.1's own helper imports a module that does not exist: call the API.)
    """
    rule = {
        "match": {"methods": ["POST"], "path": path, "path_regex": None},
        "effect": {"truncate": True, "delay_ms": 0, **effect},
        "count": count,
    }
    answer = httpx.post(f"{server.base_url}/api/v1/_mock/faults", json=rule)
    answer.raise_for_status()
    try:
        yield
    finally:
        httpx.delete(f"{server.base_url}/api/v1/_mock/faults/{answer.json()['id']}")


def provider_for(server: Any, timeout: float = 10.0) -> MastodonProvider:
    token = server._resolve_token(None)
    return MastodonProvider(
        Account("@pharma", {"access_token": token}, base_url=server.base_url),
        ProviderHttp(timeout=httpx.Timeout(timeout, connect=2.0)),
    )


def test_a_status_with_an_image_is_published_and_read_back_with_mastodon_py(
    mastodon_mock_server: Any,
) -> None:
    provider = provider_for(mastodon_mock_server)
    post = OutboundPost(
        text="Journée mondiale du diabète : dépistage https://example.org/d",
        media=(MediaItem(tiny_png(), "image/png", ALT, "affiche.png", 1, 1),),
    )
    result = provider.publish(post, idempotency_key="hygie-attempt-7")
    status = mastodon_mock_server.client().status(result.external_id)
    assert status["media_attachments"][0]["description"] == ALT
    assert "dépistage" in status["content"]
    # The same key again: the instance returns the first status instead of a new one.
    again = provider.publish(post, idempotency_key="hygie-attempt-7")
    assert again.external_id == result.external_id
    assert (
        provider.find_published(
            post, idempotency_key="x", since=timezone.now() - timedelta(minutes=5)
        )
        is not None
    )
    provider.delete(result.external_id)
    assert provider.get_post(result.external_id) is None


def test_a_slow_answer_becomes_an_unknown_outcome_and_the_same_key_settles_it(
    mastodon_mock_server: Any,
) -> None:
    provider = provider_for(mastodon_mock_server, timeout=0.5)
    post = OutboundPost(text="Vaccination grippe : sans rendez-vous")
    with (
        fault(
            mastodon_mock_server,
            path="/api/v1/statuses",
            effect={"type": "latency", "delay_ms": 1500},
        ),
        pytest.raises(OutcomeUnknown),
    ):
        provider.publish(post, idempotency_key="hygie-attempt-8")
    time.sleep(1.5)  # the instance finishes the first request after the client gave up
    result = provider_for(mastodon_mock_server).publish(post, idempotency_key="hygie-attempt-8")
    statuses = mastodon_mock_server.client().account_statuses(
        mastodon_mock_server.client().me()["id"]
    )
    assert [s["id"] for s in statuses].count(result.external_id) == 1
    assert sum("Vaccination grippe" in s["content"] for s in statuses) == 1


@pytest.mark.django_db
def test_the_engine_publishes_once_through_rate_limits_and_server_errors(
    mastodon_mock_server: Any,
    alice: User,
    org_a: Organization,
) -> None:
    channel = do_connect_channel(
        org_a,
        network="mastodon",
        name="m",
        handle="@pharma@mock",
        credentials=json.dumps({"access_token": mastodon_mock_server._resolve_token(None)}),
        base_url=mastodon_mock_server.base_url,
        acting_user=alice,
    )
    post = do_create_post(
        org_a, text="Conseil : hydratez-vous", channels=[channel], acting_user=alice
    )
    do_schedule_post(post, when=timezone.now() + timedelta(minutes=1), acting_user=alice)
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now())
    with fault(
        mastodon_mock_server,
        path="/api/v1/statuses",
        effect={"type": "status", "status": 429, "headers": {"Retry-After": "1"}},
    ):
        [attempt_id] = engine.dispatch_due()
        assert engine.run_attempt(attempt_id).status == "retry"
    with fault(
        mastodon_mock_server, path="/api/v1/statuses", effect={"type": "status", "status": 503}
    ):
        later = timezone.now() + timedelta(seconds=2)
        assert engine.run_attempt(attempt_id, now=later).status == "retry"
    PublishAttempt.objects.filter(pk=attempt_id).update(next_try_at=timezone.now())
    assert engine.run_attempt(attempt_id, now=timezone.now() + timedelta(seconds=2)).status == (
        "published"
    )
    post.refresh_from_db()
    assert post.status == "published"
    me = mastodon_mock_server.client().me()
    texts = [s["content"] for s in mastodon_mock_server.client().account_statuses(me["id"])]
    assert sum("hydratez-vous" in t for t in texts) == 1
