"""Probes behind /healthz: database, broker, workers."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from celery import Celery
from django.db import connection
from django.utils import timezone

from hygie.core.models import WorkerHeartbeat

# A worker records a heartbeat every minute (celery beat); three missed beats is "stale".
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


def check_database() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


def check_broker(app: Celery | None = None) -> dict[str, Any]:
    if app is None:
        from hygie.celery import app as default_app

        app = default_app

    started = time.monotonic()
    url = str(app.conf.broker_url)
    mode = "embedded" if url.startswith("filesystem:") else url.split(":", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "mode": mode, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "mode": mode, "ms": round((time.monotonic() - started) * 1000, 1)}


def worker_status() -> dict[str, Any]:
    now = timezone.now()
    workers: list[dict[str, Any]] = [
        {
            "hostname": hb.hostname,
            "last_seen_seconds": int((now - hb.last_seen_at).total_seconds()),
            "version": hb.version,
        }
        for hb in WorkerHeartbeat.objects.order_by("-last_seen_at")[:20]
    ]
    fresh = [w for w in workers if w["last_seen_seconds"] <= HEARTBEAT_STALE_AFTER.total_seconds()]
    return {"ok": bool(fresh), "alive": len(fresh), "workers": workers}


def report(*, details: bool = False) -> tuple[bool, dict[str, Any]]:
    """The health report; without ``details`` (anonymous probes), no host names nor errors."""
    database = check_database()
    broker = check_broker()
    workers = worker_status() if database["ok"] else {"ok": False, "alive": 0, "workers": []}
    if not details:
        for part in (database, broker):
            if "error" in part:
                part["error"] = part["error"].split(":", 1)[0]
        workers = {"ok": workers["ok"], "alive": workers["alive"]}
    # Workers are reported but do not fail the probe: a web process is healthy without them
    # (a load balancer must not pull it out), while a monitor alerts on workers.ok.
    healthy = bool(database["ok"] and broker["ok"])
    return healthy, {
        "status": "ok" if healthy else "error",
        "database": database,
        "broker": broker,
        "workers": workers,
    }
