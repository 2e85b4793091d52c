"""Answering e-mail over SMTP (RFC 5321), as the channel's address.

The answer goes to the message's ``Reply-To`` (else its sender), with ``Re: <subject>``,
``In-Reply-To`` = the message answered and ``References`` = its chain, all kept in the item's
``extra`` by ingestion (``message_id``, ``references``, ``subject``, ``reply_to``). Its
Message-ID is derived from the reply's idempotency key, so every try of one answer carries the
same id and mail programs show one message even if a retry delivered it twice. SMTP cannot be
asked whether a message went through: a connection lost while the message was being sent is an
unknown outcome, never retried blindly.
"""

from __future__ import annotations

import smtplib
import ssl
from typing import TYPE_CHECKING

from hygie.providers.email.message import build_reply, message_ids, reply_message_id
from hygie.providers.errors import AuthExpired, OutcomeUnknown, Rejected, Transient
from hygie.providers.inbound import ReplyResult, ReplyTarget, Unsupported

if TYPE_CHECKING:
    from hygie.providers.email.provider import EmailProvider


def _open(provider: EmailProvider) -> smtplib.SMTP:
    from hygie.providers.email.provider import TIMEOUT_SECONDS

    host, port, security, user, password = provider.server("smtp")
    try:
        if security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=TIMEOUT_SECONDS, context=provider.tls_context()
            )
        else:
            connection = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
            if security == "starttls":
                connection.starttls(context=provider.tls_context())
        connection.ehlo_or_helo_if_needed()
    except (OSError, smtplib.SMTPException) as exc:
        raise Transient(f"cannot reach the SMTP server {host}:{port}: {exc}") from exc
    if user and password:
        try:
            connection.login(user, password)
        except smtplib.SMTPAuthenticationError as exc:
            _quit(connection)
            raise AuthExpired(
                f"the SMTP server refused the login of {user}: {_words(exc)}", status=exc.smtp_code
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            _quit(connection)
            raise Transient(f"the SMTP server {host} failed the login: {exc}") from exc
    return connection


def _quit(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()


def _words(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    return error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)


def check(provider: EmailProvider) -> None:
    """Connect (and log in) once, without sending anything (connecting a channel)."""
    _quit(_open(provider))


def message_id_for(provider: EmailProvider, idempotency_key: str) -> str:
    return reply_message_id(idempotency_key, provider.address)


def reply(
    provider: EmailProvider, target: ReplyTarget, text: str, *, idempotency_key: str
) -> ReplyResult:
    if target.kind != "direct_message":
        raise Unsupported("E-mail: only messages are answered")
    extra = target.extra
    to = extra.get("reply_to") or target.author_id
    if "@" not in to:
        raise Rejected("E-mail: the message answered has no address to answer to")
    answered = extra.get("message_id") or target.external_id
    message = build_reply(
        from_address=provider.address,
        from_name=provider.display_name,
        to=to,
        subject=extra.get("subject", ""),
        text=text,
        in_reply_to=answered if answered.startswith("<") else "",
        references=message_ids(extra.get("references", "")),
        idempotency_key=idempotency_key,
    )
    connection = _open(provider)
    try:
        refused = connection.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _words in exc.recipients.values()]
        error = Transient if codes and all(400 <= c < 500 for c in codes) else Rejected
        raise error(f"the SMTP server refused {to}: {exc.recipients}") from exc
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        error = Transient if 400 <= exc.smtp_code < 500 else Rejected
        raise error(f"the SMTP server refused the message: {_words(exc)}") from exc
    except (TimeoutError, smtplib.SMTPServerDisconnected, ssl.SSLError, OSError) as exc:
        raise OutcomeUnknown(f"the SMTP connection broke while sending: {exc}") from exc
    except smtplib.SMTPException as exc:
        raise OutcomeUnknown(f"the SMTP server answered oddly while sending: {exc}") from exc
    finally:
        _quit(connection)
    if refused:
        raise Rejected(f"the SMTP server refused {', '.join(refused)}")
    return ReplyResult(str(message["Message-ID"]))
