"""E-mail: a shared mailbox read over IMAP and answered over SMTP.

Settings (not secret): ``address`` (the mailbox's address, the sender of answers),
``imap_host``, ``imap_port``, ``imap_security``, ``imap_user``, ``smtp_host``, ``smtp_port``,
``smtp_security``, ``smtp_user``. Credentials (encrypted): ``imap_password`` and
``smtp_password``. Security is ``tls`` (TLS from the first byte: IMAPS 993, SMTPS 465),
``starttls`` (IMAP 143, submission 587) or ``plain``, which is refused unless the server is on
this machine's loopback (tests, a local relay). Certificates are checked against the system's
authorities.

A mailbox does not publish posts. Receiving: inbox.py; answering: replies.py; reading and
writing messages: message.py.
"""

from __future__ import annotations

import ipaddress
import ssl
from typing import Any, Literal

from hygie.providers.base import (
    Account,
    Capability,
    Limits,
    OutboundPost,
    Provider,
    PublishResult,
)
from hygie.providers.email import inbox, replies
from hygie.providers.errors import AuthExpired, Rejected
from hygie.providers.inbound import InboxPage, ReplyResult, ReplyTarget
from hygie.providers.text import LengthRule

Security = Literal["tls", "starttls", "plain"]
SECURITIES: tuple[Security, ...] = ("tls", "starttls", "plain")
DEFAULT_PORTS = {
    ("imap", "tls"): 993,
    ("imap", "starttls"): 143,
    ("imap", "plain"): 143,
    ("smtp", "tls"): 465,
    ("smtp", "starttls"): 587,
    ("smtp", "plain"): 25,
}
TIMEOUT_SECONDS = 30.0


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class EmailProvider(Provider):
    kind = "email"
    label = "E-mail"
    capabilities = frozenset({Capability.INBOX_MESSAGES, Capability.REPLY})
    # No limit in the standard that a person would meet; a long answer is a letter.
    limits = Limits(length=LengthRule(20_000, "characters"), max_images=0)
    default_base_url = ""
    auth_method = "app_password"
    idempotent_reply = False
    replies_to = frozenset({"direct_message"})
    reply_length = LengthRule(20_000, "characters")

    # --- where and how to connect -----------------------------------------------------------

    def server(self, protocol: Literal["imap", "smtp"]) -> tuple[str, int, Security, str, str]:
        """(host, port, security, user, password) of the IMAP or SMTP server."""
        settings, credentials = self.account.settings, self.account.credentials
        host = str(settings.get(f"{protocol}_host") or "").strip()
        if not host:
            raise Rejected(f"E-mail: no {protocol.upper()} server is set for this channel")
        security = str(settings.get(f"{protocol}_security") or "tls")
        if security not in SECURITIES:
            raise Rejected(f"E-mail: unknown {protocol.upper()} security {security!r}")
        if security == "plain" and not is_loopback(host):
            raise Rejected(
                f"E-mail: {protocol.upper()} without TLS is only allowed on this machine "
                f"(127.0.0.1), not on {host}"
            )
        port = int(settings.get(f"{protocol}_port") or DEFAULT_PORTS[(protocol, security)])
        user = str(settings.get(f"{protocol}_user") or settings.get("address") or "")
        password = str(credentials.get(f"{protocol}_password") or "")
        return host, port, security, user, password  # type: ignore[return-value]

    @staticmethod
    def tls_context() -> ssl.SSLContext:
        return ssl.create_default_context()

    @property
    def address(self) -> str:
        return str(self.account.settings.get("address") or self.account.handle).strip().lower()

    @property
    def display_name(self) -> str:
        return str(self.account.settings.get("display_name") or "")

    @classmethod
    def connect(
        cls, *, settings: dict[str, Any], credentials: dict[str, Any], check_smtp: bool = True
    ) -> Account:
        """Log in to the IMAP server (and the SMTP server) once; returns the Account."""
        account = Account(
            handle=str(settings.get("address") or "").strip().lower(),
            credentials=dict(credentials),
            settings=dict(settings),
        )
        provider = cls(account)
        inbox.check(provider)
        if check_smtp:
            replies.check(provider)
        return account

    def refresh(self) -> None:
        raise AuthExpired("the mail server refused the password: reconnect the channel")

    # --- inbox ------------------------------------------------------------------------------

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        return inbox.fetch_inbox(self, cursor)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> ReplyResult:
        return replies.reply(self, target, text, idempotency_key=idempotency_key)

    # --- no publishing ----------------------------------------------------------------------

    def publish(self, post: OutboundPost, *, idempotency_key: str) -> PublishResult:
        raise Rejected("An e-mail channel answers messages; it does not publish posts.")

    def delete(self, external_id: str) -> None:
        raise Rejected("An e-mail channel does not publish posts.")

    def get_post(self, external_id: str) -> PublishResult | None:
        return None
