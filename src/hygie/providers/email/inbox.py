"""Receiving e-mail: new messages of the mailbox's INBOX, read over IMAP4rev1 (RFC 3501).

The cursor is ``<UIDVALIDITY>:<last UID read>``. The first poll (no cursor, or a mailbox whose
UIDVALIDITY changed) reads the UNSEEN messages; later polls the messages whose UID is above the
cursor, oldest first, at most ``MAX_PER_POLL`` at a time (the next poll goes on from there).
Messages are read with ``BODY.PEEK[]``: Hygie leaves their \\Seen flag as it was, so a person
reading the same mailbox in a mail program still sees what is new.

Messages sent by the mailbox itself, and automatic ones (``Auto-Submitted``, bulk, lists), are
not brought into the inbox.
"""

from __future__ import annotations

import contextlib
import imaplib
import ssl
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from hygie.providers.email.message import ParsedMail, parse
from hygie.providers.errors import AuthExpired, Rejected, Transient
from hygie.providers.inbound import InboundEvent, InboxPage

if TYPE_CHECKING:
    from hygie.providers.email.provider import EmailProvider

MAILBOX = "INBOX"
MAX_PER_POLL = 100


def _open(provider: EmailProvider) -> imaplib.IMAP4:
    """A logged-in IMAP connection (TLS, STARTTLS or plain on loopback)."""
    from hygie.providers.email.provider import TIMEOUT_SECONDS

    host, port, security, user, password = provider.server("imap")
    try:
        if security == "tls":
            connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                host, port, ssl_context=provider.tls_context(), timeout=TIMEOUT_SECONDS
            )
        else:
            connection = imaplib.IMAP4(host, port, timeout=TIMEOUT_SECONDS)
            if security == "starttls":
                connection.starttls(ssl_context=provider.tls_context())
    except (OSError, imaplib.IMAP4.error) as exc:  # refused, DNS, TLS, timeout, no STARTTLS
        raise Transient(f"cannot reach the IMAP server {host}:{port}: {exc}") from exc
    try:
        connection.login(user, password)
    except imaplib.IMAP4.abort as exc:
        raise Transient(f"the IMAP server {host} hung up: {exc}") from exc
    except imaplib.IMAP4.error as exc:
        _close(connection)
        raise AuthExpired(f"the IMAP server refused the login of {user}: {_words(exc)}") from exc
    except OSError as exc:
        raise Transient(f"the IMAP server {host} hung up: {exc}") from exc
    return connection


def _close(connection: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        connection.logout()


def _words(exc: Exception) -> str:
    text = str(exc.args[0] if exc.args else exc)
    return text.removeprefix("b'").removesuffix("'")


def check(provider: EmailProvider) -> None:
    """Log in and open the INBOX once (connecting a channel)."""
    connection = _open(provider)
    try:
        _select(connection)
    finally:
        _close(connection)


def _select(connection: imaplib.IMAP4) -> tuple[str, int]:
    """EXAMINE the INBOX (read-only); returns its UIDVALIDITY and UIDNEXT."""
    kind, data = connection.select(MAILBOX, readonly=True)
    if kind != "OK":
        raise Rejected(f"the IMAP server cannot open {MAILBOX}: {data!r}")
    validity = _code(connection, "UIDVALIDITY")
    uidnext = _code(connection, "UIDNEXT")
    return validity, int(uidnext) if uidnext.isdigit() else 0


def _code(connection: imaplib.IMAP4, name: str) -> str:
    values = connection.untagged_responses.get(name) or [b""]
    value = values[-1]
    return (value.decode() if isinstance(value, bytes) else str(value)).strip()


def _uids(connection: imaplib.IMAP4, *criteria: str) -> list[int]:
    kind, data = connection.uid("SEARCH", *criteria)
    if kind != "OK":
        raise Transient(f"the IMAP server refused the search: {data!r}")
    found: list[int] = []
    for chunk in data:
        if isinstance(chunk, bytes):
            found.extend(int(word) for word in chunk.split() if word.isdigit())
    return sorted(set(found))


def _fetch(connection: imaplib.IMAP4, uid: int) -> bytes | None:
    kind, data = connection.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if kind != "OK":
        raise Transient(f"the IMAP server refused to send message {uid}: {data!r}")
    for part in data:
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None  # deleted meanwhile


def parse_cursor(cursor: str) -> tuple[str, int]:
    validity, _sep, last = cursor.partition(":")
    return validity, int(last) if last.isdigit() else 0


def fetch_inbox(provider: EmailProvider, cursor: str = "") -> InboxPage:
    connection = _open(provider)
    try:
        try:
            validity, uidnext = _select(connection)
            known_validity, last = parse_cursor(cursor)
            if cursor and known_validity == validity:
                uids = [uid for uid in _uids(connection, "UID", f"{last + 1}:*") if uid > last]
            else:
                last = 0
                uids = _uids(connection, "UNSEEN")
            batch = uids[:MAX_PER_POLL]
            events = []
            for uid in batch:
                raw = _fetch(connection, uid)
                mail = parse(raw) if raw is not None else None
                if mail is not None and _from_a_person(provider, mail):
                    events.append(_event(provider, mail))
        except imaplib.IMAP4.abort as exc:
            raise Transient(f"the IMAP server hung up: {exc}") from exc
        except (TimeoutError, OSError, ssl.SSLError) as exc:
            raise Transient(f"the IMAP connection failed: {exc}") from exc
        except imaplib.IMAP4.error as exc:
            raise Transient(f"the IMAP server refused: {_words(exc)}") from exc
    finally:
        _close(connection)
    if len(batch) < len(uids):
        newest = batch[-1]  # more to read: the next poll goes on from here
    else:
        newest = max([last, *batch, uidnext - 1 if uidnext else 0])
    return InboxPage(events=events, cursor=f"{validity}:{newest}")


def _from_a_person(provider: EmailProvider, mail: ParsedMail) -> bool:
    return not mail.automatic and bool(mail.from_address) and mail.from_address != provider.address


def _event(provider: EmailProvider, mail: ParsedMail) -> InboundEvent:
    references = [*mail.references]
    if mail.in_reply_to and mail.in_reply_to not in references:
        references.append(mail.in_reply_to)
    return InboundEvent(
        network="email",
        route="",
        kind="direct_message",
        external_id=mail.message_id,
        author_id=mail.from_address,
        author_name=mail.from_name or mail.from_address,
        author_handle=mail.from_address,
        text=mail.text or mail.subject,
        received_at=min(mail.sent_at, datetime.now(UTC)) if mail.sent_at else datetime.now(UTC),
        parent_id=mail.in_reply_to,
        thread_id=mail.thread_id,
        attachments=mail.attachments,
        thread_title=mail.subject,
        extra={
            "message_id": mail.message_id,
            "references": " ".join(references),
            "subject": mail.subject,
            "reply_to": mail.reply_to,
        },
    )
