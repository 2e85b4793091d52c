"""E-mail round-trips through Hygie against real servers on loopback: Dovecot (IMAP) holds the
pharmacy's mailbox, aiosmtpd receives what Hygie sends. A message arrives, a poll brings it
into the inbox, the answer leaves by SMTP with the headers that thread it, and the person's
answer to the answer joins the same conversation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from hygie.accounts.models import Organization
from hygie.channels.models import Channel, PollState
from hygie.inbox import polling
from hygie.inbox.models import Conversation, InboxItem
from hygie.providers.base import Account
from hygie.providers.email.message import parse
from hygie.providers.email.provider import EmailProvider
from hygie.providers.errors import AuthExpired, Rejected
from hygie.providers.inbound import ReplyTarget

from .mail import DovecotPeer, SmtpSink

pytestmark = [pytest.mark.mail, pytest.mark.django_db]

SMTP_USER, SMTP_PASSWORD = "relais", "mot-de-passe-smtp"

# As Thunderbird sends it: text and HTML alternatives, quoted-printable, French.
QUESTION = b"""\
Return-Path: <camille.martin@example.org>\r
Message-ID: <7c1e2a90-5b1d-4c8e-9f3a-2d6b1e0a4c11@example.org>\r
Date: Sat, 21 Nov 2026 10:02:17 +0100\r
MIME-Version: 1.0\r
User-Agent: Mozilla Thunderbird\r
Content-Language: fr\r
To: Pharmacie Alpha <{mailbox}>\r
From: Camille Martin <camille.martin@example.org>\r
Subject: =?UTF-8?Q?Disponibilit=C3=A9_du_vaccin_contre_la_grippe?=\r
Content-Type: multipart/alternative;\r
 boundary="------------0V1hG7kq2Lr8y4WcTnXh6aPz"\r
\r
This is a multi-part message in MIME format.\r
--------------0V1hG7kq2Lr8y4WcTnXh6aPz\r
Content-Type: text/plain; charset=UTF-8; format=flowed\r
Content-Transfer-Encoding: quoted-printable\r
\r
Bonjour,\r
\r
Avez-vous encore des doses du vaccin contre la grippe ? Je pourrais passer =\r
samedi matin.\r
\r
Merci, Camille\r
\r
--------------0V1hG7kq2Lr8y4WcTnXh6aPz\r
Content-Type: text/html; charset=UTF-8\r
Content-Transfer-Encoding: quoted-printable\r
\r
<html><body><p>Bonjour,</p><p>Avez-vous encore des doses du vaccin contre la =\r
grippe&nbsp;?</p></body></html>\r
\r
--------------0V1hG7kq2Lr8y4WcTnXh6aPz--\r
"""

# An HTML-only message from a webmail, with a style sheet to leave out.
HTML_ONLY = b"""\
Message-ID: <CAHx9kz1@mail.example.net>\r
Date: Sat, 21 Nov 2026 11:30:00 +0000\r
From: "Dominique Leroy" <d.leroy@example.net>\r
To: {mailbox}\r
Subject: Horaires\r
MIME-Version: 1.0\r
Content-Type: text/html; charset="iso-8859-1"\r
Content-Transfer-Encoding: quoted-printable\r
\r
<html><head><style>p { color: red; }</style></head><body>\r
<div>Bonjour,<br>=CAtes-vous ouverts le dimanche&nbsp;?</div><div>Dominique</div>\r
</body></html>\r
"""

AUTO_REPLY = b"""\
Message-ID: <auto-1@example.org>\r
Date: Sat, 21 Nov 2026 12:00:00 +0000\r
From: Camille Martin <camille.martin@example.org>\r
To: {mailbox}\r
Subject: Absence du bureau\r
Auto-Submitted: auto-replied\r
Content-Type: text/plain; charset=utf-8\r
\r
Je suis absente jusqu'au 30 novembre.\r
"""

FOLLOW_UP = b"""\
Message-ID: <a8d1f0c2-0b7e-4a55-8a0c-6f3b9e2d7a10@example.org>\r
Date: Sat, 21 Nov 2026 12:40:00 +0100\r
From: Camille Martin <camille.martin@example.org>\r
To: Pharmacie Alpha <{mailbox}>\r
Subject: Re: =?UTF-8?Q?Disponibilit=C3=A9_du_vaccin_contre_la_grippe?=\r
In-Reply-To: {answer_id}\r
References: <7c1e2a90-5b1d-4c8e-9f3a-2d6b1e0a4c11@example.org>\r
 {answer_id}\r
Content-Type: text/plain; charset=utf-8\r
Content-Transfer-Encoding: 8bit\r
\r
Parfait, je viens samedi.\r
\r
Le 21/11/2026 =C3=A0 11:00, Pharmacie Alpha a =C3=A9crit :\r
> Bonjour, oui.\r
"""


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink(user=SMTP_USER, password=SMTP_PASSWORD) as sink:
        yield sink


def connect_form(peer: DovecotPeer, sink: SmtpSink, mailbox: str, password: str) -> dict[str, str]:
    return {
        "address": mailbox,
        "display_name": "Pharmacie Alpha",
        "imap_host": "127.0.0.1",
        "imap_port": str(peer.port),
        "imap_security": "plain",
        "imap_password": password,
        "smtp_host": "127.0.0.1",
        "smtp_port": str(sink.port),
        "smtp_security": "plain",
        "smtp_user": SMTP_USER,
        "smtp_password": SMTP_PASSWORD,
    }


def target_of(item: InboxItem) -> ReplyTarget:
    return ReplyTarget(
        kind=item.kind,
        external_id=item.external_id,
        thread_id=item.conversation.thread_external_id,
        author_id=item.author.external_id if item.author else "",
        extra=item.extra,
    )


def test_a_message_arrives_is_answered_and_the_answer_to_the_answer_joins_the_conversation(
    mail_peer: DovecotPeer, smtp_sink: SmtpSink, alice_client: Client, org_a: Organization
) -> None:
    mailbox = "contact@pharmacie-alpha.test"
    mail_peer.add_user(mailbox, "mot-de-passe-imap")
    url = reverse("channels:connect_email", kwargs={"org_slug": org_a.slug})
    wrong = connect_form(mail_peer, smtp_sink, mailbox, "faux")
    assert alice_client.post(url, wrong).status_code == 200  # refused, shown on the form
    assert not Channel.objects.filter(network="email").exists()
    answer = alice_client.post(
        url, connect_form(mail_peer, smtp_sink, mailbox, "mot-de-passe-imap")
    )
    assert answer.status_code == 302
    channel = Channel.objects.get(organization=org_a, network="email")
    assert channel.handle == mailbox
    assert channel.settings["imap_port"] == mail_peer.port
    assert "mot-de-passe" not in str(channel.settings)

    mail_peer.deliver(mailbox, QUESTION.replace(b"{mailbox}", mailbox.encode()))
    mail_peer.deliver(mailbox, HTML_ONLY.replace(b"{mailbox}", mailbox.encode()))
    mail_peer.deliver(mailbox, AUTO_REPLY.replace(b"{mailbox}", mailbox.encode()))

    outcome = polling.poll_channel(channel.pk)

    assert (outcome.status, outcome.ingested) == ("polled", 2)  # not the automatic reply
    question = InboxItem.objects.get(
        external_id="<7c1e2a90-5b1d-4c8e-9f3a-2d6b1e0a4c11@example.org>"
    )
    assert question.kind == "direct_message"
    assert question.text == (
        "Bonjour,\n\nAvez-vous encore des doses du vaccin contre la grippe ? Je pourrais "
        "passer samedi matin.\n\nMerci, Camille"
    )
    assert (question.author_name, question.author_handle) == (
        "Camille Martin",
        "camille.martin@example.org",
    )
    assert question.conversation.title == "Disponibilité du vaccin contre la grippe"
    html = InboxItem.objects.get(external_id="<CAHx9kz1@mail.example.net>")
    assert html.text == "Bonjour,\nÊtes-vous ouverts le dimanche\xa0?\n\nDominique"
    assert mail_peer.unseen(mailbox) == 3  # Hygie read them without marking them read

    provider = polling.build_provider(channel)
    text = "Bonjour, oui : il nous reste des doses, venez samedi entre 9 h et 12 h."
    sent = provider.reply(target_of(question), text, idempotency_key="hygie-reply-7")

    [mail] = smtp_sink.received
    assert mail.authenticated
    assert (mail.mail_from, mail.rcpt_tos) == (mailbox, ["camille.martin@example.org"])
    message = mail.message
    assert message["Message-ID"] == sent.external_id
    assert sent.external_id.endswith("@pharmacie-alpha.test>")
    assert message["In-Reply-To"] == question.external_id
    assert message["References"] == question.external_id
    assert message["Subject"] == "Re: Disponibilité du vaccin contre la grippe"
    assert str(message["From"]) == f"Pharmacie Alpha <{mailbox}>"
    assert message.get_content().strip() == text
    # A retry of the same answer carries the same Message-ID (mail programs show it once).
    again = provider.reply(target_of(question), text, idempotency_key="hygie-reply-7")
    assert again.external_id == sent.external_id

    follow_up = FOLLOW_UP.replace(b"{mailbox}", mailbox.encode()).replace(
        b"{answer_id}", sent.external_id.encode()
    )
    mail_peer.deliver(mailbox, follow_up)
    assert polling.poll_channel(channel.pk).ingested == 1
    later = InboxItem.objects.get(external_id="<a8d1f0c2-0b7e-4a55-8a0c-6f3b9e2d7a10@example.org>")
    assert later.conversation == question.conversation
    assert later.parent_external_id == sent.external_id
    assert later.text.startswith("Parfait, je viens samedi.")
    assert Conversation.objects.filter(channel=channel).count() == 2
    assert polling.poll_channel(channel.pk).ingested == 0
    assert PollState.objects.get(channel=channel).cursor.endswith(":4")


def test_a_wrong_password_asks_for_reconnection_and_plain_text_is_refused_off_loopback(
    mail_peer: DovecotPeer,
) -> None:
    mailbox = "officine@pharmacie-alpha.test"
    mail_peer.add_user(mailbox, "bon")
    settings = {
        "address": mailbox,
        "imap_host": "127.0.0.1",
        "imap_port": mail_peer.port,
        "imap_security": "plain",
    }
    provider = EmailProvider(Account(mailbox, {"imap_password": "mauvais"}, settings))
    with pytest.raises(AuthExpired):
        provider.fetch_inbox("")
    remote = EmailProvider(
        Account(mailbox, {"imap_password": "bon"}, {**settings, "imap_host": "mail.example.org"})
    )
    with pytest.raises(Rejected, match="only allowed on this machine"):
        remote.fetch_inbox("")


def test_headers_and_bodies_are_read_as_mail_programs_write_them() -> None:
    mail = parse(QUESTION.replace(b"{mailbox}", b"contact@pharmacie.test"))
    assert mail.thread_id == mail.message_id
    reply = parse(
        FOLLOW_UP.replace(b"{mailbox}", b"contact@pharmacie.test").replace(
            b"{answer_id}", b"<hygie.1@pharmacie.test>"
        )
    )
    assert reply.in_reply_to == "<hygie.1@pharmacie.test>"
    assert reply.references == (
        "<7c1e2a90-5b1d-4c8e-9f3a-2d6b1e0a4c11@example.org>",
        "<hygie.1@pharmacie.test>",
    )
    assert reply.thread_id == "<7c1e2a90-5b1d-4c8e-9f3a-2d6b1e0a4c11@example.org>"
    anonymous = parse(b"From: someone@example.org\r\nSubject: x\r\n\r\nhello\r\n")
    assert anonymous.message_id.startswith("<sha256.") and anonymous.text == "hello"
    assert parse(AUTO_REPLY.replace(b"{mailbox}", b"x@y.test")).automatic
