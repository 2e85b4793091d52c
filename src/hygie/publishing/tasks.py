"""Background work of publishing. Thin: each task calls the engine and re-enqueues."""

from __future__ import annotations

from hygie.celery import app
from hygie.publishing import engine
from hygie.publishing.models import AttemptStatus


@app.task(name="hygie.publishing.tasks.dispatch_due_posts")
def dispatch_due_posts() -> int:
    """Turn due posts into attempts and queue them (run by beat every few seconds)."""
    ids = engine.dispatch_due()
    for attempt_id in ids:
        publish_attempt.delay(attempt_id)
    return len(ids)


@app.task(name="hygie.publishing.tasks.publish_attempt")
def publish_attempt(attempt_id: int) -> str:
    outcome = engine.run_attempt(attempt_id)
    if (
        outcome.status == AttemptStatus.RETRY
        and outcome.retry_at is not None
        and not app.conf.task_always_eager
    ):
        # If this message is lost, dispatch_due_posts finds the attempt due and queues it again.
        publish_attempt.apply_async((attempt_id,), eta=outcome.retry_at)
    return outcome.status


@app.task(name="hygie.publishing.tasks.recover_stuck_attempts")
def recover_stuck_attempts() -> int:
    """Settle attempts left 'sending' by a worker that died (run by beat every minute)."""
    ids = engine.recover_stuck()
    for attempt_id in ids:
        publish_attempt.delay(attempt_id)
    return len(ids)
