"""Killing a worker in the middle of sending replies duplicates nothing and loses nothing.

Real ``hygie worker`` processes send two replies to loopback networks that take their time to
answer: one on Mastodon (which honours the Idempotency-Key), one on WhatsApp (which has no key).
The test kills the worker (SIGKILL, whole process group) while both requests are in flight,
after the networks took them. Recovery, run by a second worker's era, settles each the only safe
way: Mastodon is asked again with the same key (one status), WhatsApp is not asked again (the
reply is left for a member to confirm, still one message).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from tests.providers.contracts import whatsapp as wa
from tests.providers.fakenet import FakeNetwork, Recorded, Reply, fake_network
from tests.test_publish_engine import MastodonSim
from tests.test_publish_kill_worker import kill_group, start_worker, wait_until

from hygie.accounts.models import Organization, User
from hygie.celery import app
from hygie.channels.actions import do_connect_channel
from hygie.channels.models import Network
from hygie.inbox import outbox
from hygie.inbox.actions import do_ingest_item, do_send_reply, first_attempt
from hygie.inbox.models import Direction, InboxItem, OutboundReply, ReplyAttempt, ReplyStatus
from hygie.inbox.tasks import send_reply_attempt
from hygie.publishing.models import AttemptStatus

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def net() -> Iterator[FakeNetwork]:
    with fake_network() as network:
        yield network


@pytest.fixture
def real_queue() -> Iterator[None]:
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def answer(org: Organization, user: User, net: FakeNetwork, network: str, **item: Any) -> int:
    channel = do_connect_channel(
        org,
        network=network,
        name=network,
        handle=f"{network}-handle",
        credentials=json.dumps({"access_token": "tok"}),
        acting_user=user,
        base_url=net.url,
        settings={"phone_number_id": wa.PHONE_NUMBER_ID} if network == Network.WHATSAPP else {},
    )
    received, _ = do_ingest_item(
        channel,
        author_name="Léa",
        text="Vous êtes ouverts demain ?",
        received_at=timezone.now() - timedelta(minutes=10),
        **item,
    )
    reply = do_send_reply(
        received.conversation,
        text="Oui, de 9 h à 19 h.",
        in_reply_to=received,
        acting_user=user,
        acknowledged_findings=False,
    )
    return first_attempt(reply).pk


def test_a_worker_killed_while_sending_replies_sends_each_one_once(
    alice: User,
    org_a: Organization,
    net: FakeNetwork,
    tmp_path: Path,
    real_queue: None,
    settings: Any,
) -> None:
    sim = MastodonSim(net)
    slow: set[str] = set()

    def slow_first(request: Recorded) -> Reply:
        reply = sim.create(request)  # the instance creates the status…
        if "mastodon" not in slow:
            slow.add("mastodon")
            reply.delay = 8.0  # …and answers late: the worker dies before it hears back
        return reply

    net.route("POST", r"/api/v1/statuses", slow_first, first=True)
    net.route("POST", wa.REPLY_CALLS["direct_message"][1], Reply(200, wa.SENT, delay=8.0))
    mastodon = answer(
        org_a,
        alice,
        net,
        Network.MASTODON,
        kind="mention",
        external_id="1031861267",
        author_handle="lea@m.test",
    )
    whatsapp = answer(
        org_a,
        alice,
        net,
        Network.WHATSAPP,
        kind="direct_message",
        external_id=wa.INBOUND_ID,
        author_handle=wa.WA_ID,
    )

    worker_a, _ = start_worker(tmp_path, "a")
    try:
        send_reply_attempt.delay(mastodon)
        send_reply_attempt.delay(whatsapp)
        wait_until(
            lambda: (
                net.requests_to("POST", r"/api/v1/statuses")
                and net.requests_to("POST", wa.REPLY_CALLS["direct_message"][1])
            ),
            30,
            "both replies to reach their networks",
        )
    finally:
        kill_group(worker_a)
    assert set(ReplyAttempt.objects.values_list("status", flat=True)) == {AttemptStatus.SENDING}

    worker_b, _ = start_worker(tmp_path, "b")
    try:
        # The periodic recovery (beat in production) finds the dead worker's attempts.
        settings.HYGIE_PUBLISH_LEASE_SECONDS = 1
        time.sleep(1.5)
        recovered = outbox.recover_stuck()
        assert recovered == [mastodon]  # WhatsApp cannot be asked again safely
        send_reply_attempt.delay(mastodon)
        wait_until(
            lambda: OutboundReply.objects.filter(status=ReplyStatus.SENT).count() == 1,
            60,
            "the Mastodon reply to be sent",
        )
    finally:
        kill_group(worker_b)

    assert len(sim.statuses) == 1, "one status, no duplicate"
    keys = [r.headers["idempotency-key"] for r in net.requests_to("POST", r"/api/v1/statuses")]
    assert keys == [f"hygie-reply-{mastodon}"] * 2
    assert len(net.requests_to("POST", wa.REPLY_CALLS["direct_message"][1])) == 1
    on_whatsapp = OutboundReply.objects.get(attempts__pk=whatsapp)
    assert on_whatsapp.status == ReplyStatus.UNCONFIRMED
    assert InboxItem.objects.filter(direction=Direction.OUTBOUND).count() == 1
