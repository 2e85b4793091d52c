"""Background work of the accounts app."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives

from hygie.celery import app


@app.task(
    name="hygie.accounts.tasks.send_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_email(subject: str, body: str, to: list[str], html: str | None = None) -> None:
    """Send one e-mail; SMTP hiccups are retried with backoff."""
    message = EmailMultiAlternatives(subject, body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
