"""The Celery application shared by every Hygie task.

Embedded mode (no ``HYGIE_BROKER_URL``): messages are files under ``var/broker`` and results
files under ``var/results``; one ``hygie worker --beat`` on the same machine consumes them, with
no broker server to install. Scale mode: Redis (``redis://``) or RabbitMQ (``amqp://``), any
number of ``hygie worker`` processes on any number of machines and one ``hygie beat``.

Tasks take ids, load rows and call one action; the database, not the broker, is the source of
truth, so a lost message delays work but never loses it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery, bootsteps, signals
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygie.settings")


def broker_config(broker_url: str, var_dir: Path) -> dict[str, Any]:
    """Return the Celery settings that depend on the broker, for embedded and scale modes."""
    if not broker_url:
        queue = var_dir / "broker" / "queue"
        processed = var_dir / "broker" / "processed"
        control = var_dir / "broker" / "control"
        results = var_dir / "results"
        for folder in (queue, processed, control, results):
            folder.mkdir(parents=True, exist_ok=True)
        return {
            "broker_url": "filesystem://localhost/",
            "broker_transport_options": {
                "data_folder_in": str(queue),
                "data_folder_out": str(queue),
                "processed_folder": str(processed),
                "control_folder": str(control),
                "store_processed": False,
            },
            "result_backend": f"file://{results}",
        }
    if broker_url.startswith(("redis://", "rediss://")):
        return {
            "broker_url": broker_url,
            "result_backend": broker_url,
            # A task not acknowledged within this delay is delivered again (acks_late below).
            "broker_transport_options": {"visibility_timeout": 3600},
        }
    if broker_url.startswith(("amqp://", "amqps://", "pyamqp://")):
        return {"broker_url": broker_url, "result_backend": "rpc://"}
    raise ValueError(
        f"HYGIE_BROKER_URL must start with redis://, rediss:// or amqp://: {broker_url!r}"
    )


def make_app() -> Celery:
    from django.conf import settings

    app = Celery("hygie")
    app.conf.update(
        broker_config(settings.HYGIE_BROKER_URL, settings.VAR_DIR),
        task_default_queue="hygie",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER,
        task_eager_propagates=settings.CELERY_TASK_EAGER_PROPAGATES,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=60 * 60 * 24,
        timezone=settings.TIME_ZONE,
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        beat_schedule_filename=str(settings.VAR_DIR / "celerybeat-schedule"),
        beat_schedule={
            "dispatch-due-posts": {
                "task": "hygie.publishing.tasks.dispatch_due_posts",
                "schedule": float(settings.HYGIE_DISPATCH_INTERVAL),
            },
            "recover-stuck-attempts": {
                "task": "hygie.publishing.tasks.recover_stuck_attempts",
                "schedule": 60.0,
            },
            "recover-stuck-replies": {
                "task": "hygie.inbox.tasks.recover_stuck_replies",
                "schedule": 60.0,
            },
            "requeue-stale-webhook-deliveries": {
                "task": "hygie.webhooks.tasks.requeue_stale_deliveries",
                "schedule": 300.0,
            },
            "poll-inboxes": {
                "task": "hygie.inbox.tasks.poll_inboxes",
                "schedule": 60.0,
            },
            "refresh-expiring-tokens": {
                "task": "hygie.channels.tasks.refresh_expiring_tokens",
                "schedule": 3600.0,
            },
            "expire-approvals": {
                "task": "hygie.approvals.tasks.expire_approvals",
                "schedule": 3600.0,
            },
            "verify-audit-chain": {
                "task": "hygie.audit.tasks.verify_audit_chain",
                "schedule": crontab(hour=3, minute=17),
            },
            "escalate-safety-cases": {
                "task": "hygie.safety.tasks.escalate_due_cases",
                "schedule": 300.0,
            },
        },
    )
    app.autodiscover_tasks()
    app.steps["worker"].add(HeartbeatStep)
    return app


class HeartbeatStep(bootsteps.StartStopStep):
    """Each worker records its own heartbeat every minute (shown by /healthz)."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None

    def start(self, worker: Any) -> None:
        from hygie.core.heartbeat import beat

        beat(worker.hostname)
        self.tref = worker.timer.call_repeatedly(60.0, beat, (worker.hostname,), priority=10)

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()


@signals.worker_init.connect
def warm_up_compliance(**_: Any) -> None:
    """Compile the compliance checker before the first task (publishing checks the approval
    gate, which checks the post): in the main process, so prefork children inherit it."""
    try:
        from django.db import connections

        from hygie.compliance.service import warm_up
        from hygie.triage.service import warm_up as warm_up_triage

        warm_up()
        warm_up_triage()
        connections.close_all()  # never hand a connection to forked children
    except Exception:  # a cold checker is slower, not wrong: never stop a worker for it
        logging.getLogger(__name__).exception("compliance warm-up failed")


app = make_app()
