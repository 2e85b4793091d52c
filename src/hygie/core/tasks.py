"""Background work of the core app."""

from __future__ import annotations

import socket
from typing import Any

from celery.signals import worker_ready
from django.utils import timezone

from hygie import __version__
from hygie.celery import app
from hygie.core.models import WorkerHeartbeat


@app.task(name="hygie.core.tasks.record_heartbeat")
def record_heartbeat() -> str:
    """Record that a worker is alive (scheduled every minute by beat, read by /healthz)."""
    hostname = record_heartbeat.request.hostname or socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen_at": timezone.now(), "version": __version__}
    )
    return hostname


@worker_ready.connect
def _announce_worker(sender: Any = None, **kwargs: Any) -> None:
    """A worker that just started says so at once instead of waiting for the first beat."""
    record_heartbeat.delay()
