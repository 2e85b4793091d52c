"""Background work of the inbox. Thin: each task calls the polling engine."""

from __future__ import annotations

from hygie.celery import app
from hygie.inbox import polling


@app.task(name="hygie.inbox.tasks.poll_inboxes")
def poll_inboxes() -> int:
    """Queue one poll for each channel whose network is polled (run by beat every minute)."""
    ids = polling.due_channels()
    for channel_id in ids:
        poll_channel.delay(channel_id)
    return len(ids)


@app.task(name="hygie.inbox.tasks.poll_channel")
def poll_channel(channel_id: int) -> str:
    """Fetch what arrived on one channel since its cursor and store it in the inbox."""
    return polling.poll_channel(channel_id).status


# --- Replies (exactly once: see outbox.py) -----------------------------------------------------


@app.task(name="hygie.inbox.tasks.send_reply_attempt")
def send_reply_attempt(attempt_id: int) -> str:
    """Send one decided reply (or record why it cannot be sent yet)."""
    from hygie.inbox import outbox

    outcome = outbox.run_reply_attempt(attempt_id)
    if (
        outcome.status == "retry"
        and outcome.retry_at is not None
        and not app.conf.task_always_eager
    ):
        # If this message is lost, recover_stuck_replies finds the attempt due and queues it.
        send_reply_attempt.apply_async((attempt_id,), eta=outcome.retry_at)
    return outcome.status


@app.task(name="hygie.inbox.tasks.recover_stuck_replies")
def recover_stuck_replies() -> int:
    """Settle reply attempts left 'sending' by a worker that died, and queue again those whose
    message was lost (run by beat every minute)."""
    from hygie.inbox import outbox

    ids = list(dict.fromkeys([*outbox.recover_stuck(), *outbox.stale_due()]))
    for attempt_id in ids:
        send_reply_attempt.delay(attempt_id)
    return len(ids)
