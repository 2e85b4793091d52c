"""E-mail messages as Hygie reads and writes them (RFC 5322, MIME), with the standard library.

Reading: the text part is preferred, else the HTML part with its tags stripped; the Message-ID
is the item's network id; ``References`` (its first id) or ``In-Reply-To`` name the thread, so
a conversation is an e-mail thread. Writing: a plain-text answer whose Message-ID is derived
from the reply's idempotency key, with ``In-Reply-To`` and ``References`` set so that mail
programs thread it under the message answered.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, parsedate_to_datetime
from html.parser import HTMLParser

MAX_TEXT = 20_000
MAX_ID = 255
_MSG_ID = re.compile(r"<[^<>\s]+>")
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return tidy("".join(parser.parts))


def tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def message_ids(value: str | None) -> list[str]:
    """The ``<id@host>`` tokens of a Message-ID, In-Reply-To or References header."""
    return _MSG_ID.findall(str(value or ""))


def stable_id(message_id: str, raw: bytes = b"") -> str:
    """A network id that fits the inbox (255 characters): long or missing ids are hashed."""
    if message_id and len(message_id) <= MAX_ID:
        return message_id
    digest = hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()[:40]
    return f"<sha256.{digest}@hygie.invalid>"


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    from_name: str
    from_address: str
    reply_to: str
    subject: str
    text: str
    sent_at: datetime | None
    in_reply_to: str
    references: tuple[str, ...]
    attachments: tuple[str, ...] = field(default=())
    automatic: bool = False  # an auto-reply, bounce or list message: not a person writing

    @property
    def thread_id(self) -> str:
        """The thread's first message: References' first id, else the message answered."""
        if self.references:
            return stable_id(self.references[0])
        if self.in_reply_to:
            return stable_id(self.in_reply_to)
        return self.message_id


def _first_address(value: object) -> tuple[str, str]:
    addresses = getattr(value, "addresses", ()) or ()
    for address in addresses:
        if isinstance(address, Address) and address.addr_spec:
            return address.display_name, address.addr_spec.lower()
    return "", ""


def parse(raw: bytes) -> ParsedMail:
    """Read one message as received from IMAP (``BODY[]``)."""
    message = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(raw)
    ids = message_ids(message.get("Message-ID"))
    from_name, from_address = _first_address(message.get("From"))
    _reply_name, reply_address = _first_address(message.get("Reply-To"))
    sent_at: datetime | None = None
    if message.get("Date"):
        try:
            sent_at = parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            sent_at = None
        if sent_at is not None and sent_at.tzinfo is None:
            sent_at = sent_at.replace(tzinfo=UTC)
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            content = body.get_content()
        except (LookupError, ValueError):  # unknown charset, broken encoding
            payload = body.get_payload(decode=True)
            content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        text = html_to_text(content) if body.get_content_type() == "text/html" else tidy(content)
    attachments = tuple(
        str(part.get_filename()) for part in message.iter_attachments() if part.get_filename()
    )
    if attachments:
        text = "\n\n".join([text, *(f"[attachment: {name}]" for name in attachments)]).strip()
    auto = str(message.get("Auto-Submitted") or "no").strip().lower()
    precedence = str(message.get("Precedence") or "").strip().lower()
    in_reply_to = message_ids(message.get("In-Reply-To"))
    return ParsedMail(
        message_id=stable_id(ids[0] if ids else "", raw),
        from_name=from_name,
        from_address=from_address,
        reply_to=reply_address or from_address,
        subject=str(message.get("Subject") or "").strip(),
        text=text[:MAX_TEXT],
        sent_at=sent_at,
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=tuple(message_ids(message.get("References"))),
        attachments=attachments,
        automatic=auto != "no" or precedence in ("bulk", "junk", "list"),
    )


def reply_message_id(idempotency_key: str, address: str) -> str:
    """The same Message-ID for every try of one reply (``<hygie.<hash>@<our domain>>``)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    domain = address.rsplit("@", 1)[-1] if "@" in address else "hygie.invalid"
    return f"<hygie.{digest}@{domain}>"


def build_reply(
    *,
    from_address: str,
    from_name: str,
    to: str,
    subject: str,
    text: str,
    in_reply_to: str,
    references: list[str],
    idempotency_key: str,
    now: datetime | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((from_name, from_address)) if from_name else from_address
    message["To"] = to
    subject = subject.strip()
    message["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = reply_message_id(idempotency_key, from_address)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    chain = [*references, in_reply_to] if in_reply_to not in references else list(references)
    chain = [ref for ref in chain if ref]
    if chain:
        message["References"] = " ".join(chain)
    message.set_content(text)
    return message
