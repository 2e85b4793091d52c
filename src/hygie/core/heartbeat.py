"""Worker heartbeats: each worker writes its own row every minute."""

from __future__ import annotations

import logging

from django.db import close_old_connections
from django.utils import timezone

from hygie import __version__
from hygie.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def beat(hostname: str) -> None:
    try:
        WorkerHeartbeat.objects.update_or_create(
            hostname=hostname, defaults={"last_seen_at": timezone.now(), "version": __version__}
        )
    except Exception:  # a heartbeat must never stop a worker
        logger.exception("could not record the heartbeat of %s", hostname)
    finally:
        close_old_connections()
