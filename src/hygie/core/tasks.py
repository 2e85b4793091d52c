"""Background work of the core app."""

from __future__ import annotations

import socket

from hygie.celery import app
from hygie.core.heartbeat import beat


@app.task(name="hygie.core.tasks.record_heartbeat")
def record_heartbeat() -> str:
    """Record the heartbeat of whichever worker runs it; returns that worker's name.

    Workers beat on their own timer (hygie.celery.HeartbeatStep); this task is the round trip
    an operator (or a test) uses to prove that a queued task reaches a worker.
    """
    hostname = record_heartbeat.request.hostname or socket.gethostname()
    beat(hostname)
    return hostname
