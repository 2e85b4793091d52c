"""Killing a worker in the middle of a publish loses nothing and duplicates nothing.

A real ``hygie worker`` process publishes to a loopback Mastodon that takes its time to answer;
the test kills the worker (SIGKILL, whole process group) while the request is in flight, after
the server has created the status. A second worker then finishes everything: the interrupted
post exists once, and a post that fell due while no worker was alive is published too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from tests.providers.fakenet import FakeNetwork, Recorded, Reply, fake_network
from tests.test_background_worker import test_database_url, wait_for_heartbeat
from tests.test_publish_engine import MastodonSim, channel, due_post

from hygie.accounts.models import Organization, User
from hygie.celery import app
from hygie.publishing import engine
from hygie.publishing.models import AttemptStatus, PublishAttempt
from hygie.publishing.tasks import publish_attempt

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def start_worker(tmp_path: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    hostname = f"{name}-{uuid.uuid4().hex[:6]}@localhost"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=test_database_url(),
        HYGIE_TASKS_EAGER="false",
        HYGIE_VAR_DIR=str(settings.VAR_DIR),
    )
    log = (tmp_path / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "hygie", "worker", "--concurrency", "2", "--hostname", hostname],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_heartbeat(hostname, process, tmp_path / f"{name}.log")
    return process, hostname


def kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


def wait_until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


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


def test_a_worker_killed_while_publishing_loses_nothing_and_duplicates_nothing(
    alice: User,
    org_a: Organization,
    net: FakeNetwork,
    tmp_path: Path,
    real_queue: None,
    settings: Any,
) -> None:
    sim = MastodonSim(net)
    slow_once: list[bool] = []

    def slow_first(request: Recorded) -> Reply:
        reply = sim.create(request)  # the server creates the status…
        if not slow_once:
            slow_once.append(True)
            reply.delay = 6.0  # …and answers late: the worker dies before it hears back
        return reply

    net.route("POST", r"/api/v1/statuses", slow_first, first=True)
    ch = channel(org_a, alice, net)
    first = due_post(org_a, alice, [ch], "Premier conseil")

    worker_a, _ = start_worker(tmp_path, "a")
    try:
        [attempt_id] = engine.dispatch_due()
        publish_attempt.delay(attempt_id)
        wait_until(lambda: net.requests_to("POST", r"/api/v1/statuses"), 30, "the first POST")
    finally:
        kill_group(worker_a)
    attempt = PublishAttempt.objects.get(pk=attempt_id)
    assert attempt.status == AttemptStatus.SENDING  # the dead worker's claim

    # While no worker is alive, another post falls due and is queued.
    second = due_post(org_a, alice, [ch], "Second conseil")
    for pk in engine.dispatch_due():
        publish_attempt.delay(pk)

    worker_b, _ = start_worker(tmp_path, "b")
    try:
        # The periodic recovery (beat in production) finds the dead worker's attempt.
        settings.HYGIE_PUBLISH_LEASE_SECONDS = 1
        time.sleep(1.5)
        recovered = engine.recover_stuck()
        assert recovered == [attempt_id]
        for pk in recovered:
            publish_attempt.delay(pk)
        wait_until(
            lambda: PublishAttempt.objects.filter(status=AttemptStatus.PUBLISHED).count() == 2,
            60,
            "both posts published",
        )
    finally:
        kill_group(worker_b)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == "published"
    assert len(sim.statuses) == 2, "one status per post, no duplicate"
    posts = net.requests_to("POST", r"/api/v1/statuses")
    first_key = f"hygie-attempt-{attempt_id}"
    assert [r.headers["idempotency-key"] for r in posts].count(first_key) == 2
    assert first.targets.get().external_url == sim.statuses[first_key]["url"]
    assert timezone.now() - first.published_at < timedelta(minutes=2)  # type: ignore[operator]
