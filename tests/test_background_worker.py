"""Background tasks run in a real Celery worker process, on the broker of the test run.

The SQLite run uses the embedded file broker, the PostgreSQL run uses Redis; a last test
talks to RabbitMQ. The worker is started exactly as an operator would: ``hygie worker``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from hygie.accounts.tasks import send_email
from hygie.celery import app, broker_config
from hygie.core.models import WorkerHeartbeat
from hygie.core.tasks import record_heartbeat

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"


def test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    return (
        f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


test_database_url.__test__ = False  # type: ignore[attr-defined]


def start_worker(
    tmp_path: Path, broker_url: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": test_database_url(),
        "HYGIE_TASKS_EAGER": "false",
        "HYGIE_VAR_DIR": str(settings.VAR_DIR),
    }
    if broker_url is not None:
        env["HYGIE_BROKER_URL"] = broker_url
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hygie",
            "worker",
            "--concurrency",
            "1",
            "--hostname",
            hostname,
            "--loglevel",
            "INFO",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, hostname


def wait_for_heartbeat(hostname: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if WorkerHeartbeat.objects.filter(hostname=hostname).exists():
            return
        if process.poll() is not None:
            pytest.fail(f"worker exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    pytest.fail(f"worker never reported in:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[str]:
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    process, hostname = start_worker(tmp_path)
    try:
        wait_for_heartbeat(hostname, process, tmp_path / "worker.log")
        yield hostname
    finally:
        stop(process)
        app.conf.task_always_eager = eager


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_started_worker_announces_itself_and_runs_a_queued_task(worker: str) -> None:
    WorkerHeartbeat.objects.all().delete()
    result = record_heartbeat.delay()
    assert result.get(timeout=30) == worker
    assert WorkerHeartbeat.objects.get(hostname=worker).version


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_mail_queued_by_the_web_process(worker: str) -> None:
    mail_dir = settings.VAR_DIR / "mail"
    before = set(mail_dir.glob("*.log")) if mail_dir.exists() else set()
    marker = uuid.uuid4().hex
    send_email.delay(f"Subject {marker}", "Body", ["someone@example.test"]).get(timeout=30)
    written = [p for p in mail_dir.glob("*.log") if p not in before]
    assert any(marker in p.read_text() for p in written)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_healthz_sees_the_live_worker(worker: str, client: object) -> None:
    from django.test import Client

    from hygie.accounts.models import User

    assert isinstance(client, Client)
    anonymous = client.get("/healthz").json()
    assert anonymous["workers"]["alive"] >= 1 and "workers" not in anonymous["workers"]
    client.force_login(User.objects.create_user("ops@hygie.test", "x", is_staff=True))
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["vendor"] == connection.vendor
    assert body["broker"]["mode"] == ("embedded" if settings.BROKER_EMBEDDED else "redis")
    assert worker in [w["hostname"] for w in body["workers"]["workers"]]
    assert body["workers"]["ok"]


@pytest.mark.worker
@pytest.mark.rabbitmq
@pytest.mark.django_db(transaction=True)
def test_rabbitmq_smoke_a_worker_on_rabbitmq_runs_a_task(tmp_path: Path) -> None:
    process, hostname = start_worker(tmp_path, RABBITMQ_URL)
    try:
        wait_for_heartbeat(hostname, process, tmp_path / "worker.log")
        client_app = Celery("hygie-rabbitmq-smoke")
        client_app.conf.update(
            broker_config(RABBITMQ_URL, settings.VAR_DIR), task_default_queue="hygie"
        )
        result = client_app.send_task("hygie.core.tasks.record_heartbeat")
        assert result.get(timeout=30) == hostname
    finally:
        stop(process)
