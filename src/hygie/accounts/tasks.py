"""Background work of the accounts app: e-mails with links.

Tasks receive ids, never tokens or links: the token is made here, in the worker, so it never
sits in the broker; links start with HYGIE_BASE_URL, never with a Host header.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from hygie.accounts.models import Organization, User
from hygie.accounts.tokens import invitation_token
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


def _link(name: str, user: User, token: str) -> str:
    path = reverse(
        name, kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": token}
    )
    return f"{settings.HYGIE_BASE_URL}{path}"


def _language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


@app.task(
    name="hygie.accounts.tasks.send_password_reset",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_password_reset(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    with translation.override(_language(user)):
        token = default_token_generator.make_token(user)
        link = _link("accounts:password_reset_confirm", user, token)
        body = loader.render_to_string("accounts/email/password_reset.txt", {"link": link})
        send_email(_("Your Hygie password"), body, [user.email])


@app.task(
    name="hygie.accounts.tasks.send_invitation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation(user_id: int, org_id: int, inviter_id: int | None) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    org = Organization.objects.filter(pk=org_id).first()
    if user is None or org is None:
        return
    inviter = User.objects.filter(pk=inviter_id).first() if inviter_id else None
    with translation.override(_language(user)):
        link = _link("accounts:invitation", user, invitation_token.make_token(user))
        body = loader.render_to_string(
            "accounts/email/invitation.txt",
            {"org": org, "inviter": inviter or "Hygie", "user": user, "link": link},
        )
        send_email(_("You are invited to %(org)s on Hygie") % {"org": org.name}, body, [user.email])
