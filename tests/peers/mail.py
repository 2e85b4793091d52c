"""Real mail peers for the tests: Dovecot (IMAP, Debian ``dovecot-imapd``) and aiosmtpd (SMTP).

``DovecotPeer`` runs ``/usr/sbin/dovecot -F`` with a configuration of its own in a fresh
temporary directory: IMAP only, on a free ``127.0.0.1`` port, no TLS (loopback), users in a
``passwd-file``, mailboxes as Maildirs in the same directory. Run as root, mail is owned by the
``dovecot`` system user (Dovecot never runs mail processes as root); otherwise everything runs
as the current user. ``scripts/peers/mail/install.sh`` installs the package when it is missing.
Mail "arrives" by IMAP APPEND into a user's INBOX, which is what a delivery agent does.

``SmtpSink`` is an aiosmtpd controller on a free ``127.0.0.1`` port that accepts one login and
records each message it is given (envelope and parsed message).
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_SH = REPO_ROOT / "scripts" / "peers" / "mail" / "install.sh"


class MailPeerError(RuntimeError):
    """The peer could not be installed, started or used."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def install() -> str:
    bash = shutil.which("bash") or "/bin/bash"
    done = subprocess.run(
        [bash, str(INSTALL_SH)], capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise MailPeerError(f"{INSTALL_SH} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    for line in done.stdout.splitlines():
        if line.startswith("DOVECOT="):
            return line.split("=", 1)[1]
    raise MailPeerError(f"{INSTALL_SH} did not print DOVECOT=")


class DovecotPeer:
    """A started-on-demand Dovecot IMAP server (context manager)."""

    def __init__(self, *, startup_timeout: float = 20.0) -> None:
        self.startup_timeout = startup_timeout
        self.port = 0
        self._run_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._users: dict[str, str] = {}

    def __enter__(self) -> DovecotPeer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def run_dir(self) -> Path:
        if self._run_dir is None:
            raise MailPeerError("the peer is not started")
        return self._run_dir

    def _config(self) -> str:
        run = self.run_dir
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            users = "default_login_user = dovenull\ndefault_internal_user = dovecot\n"
            chroot = ""
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            users = (
                f"default_login_user = {mail_user.pw_name}\n"
                f"default_internal_user = {mail_user.pw_name}\n"
            )
            chroot = "  chroot =\n"
        return f"""\
base_dir = {run}/base
state_dir = {run}/state
instance_name = hygie-imap-{self.port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = {run}/dovecot.log
mail_location = maildir:{run}/mail/%u
first_valid_uid = {mail_user.pw_uid}
{users}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {run}/users
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={run}/mail/%u
}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""

    def start(self) -> DovecotPeer:
        dovecot = install()
        self._run_dir = run = Path(tempfile.mkdtemp(prefix="hygie-imap-"))
        run.chmod(0o755)  # the mail processes run as the dovecot user
        for sub in ("base", "state", "mail"):
            (run / sub).mkdir()
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            os.chown(run / "mail", mail_user.pw_uid, mail_user.pw_gid)
        (run / "users").write_text("")
        self.port = _free_port()
        (run / "dovecot.conf").write_text(self._config())
        with (run / "stdout.log").open("wb") as log:
            self._process = subprocess.Popen(
                [dovecot, "-F", "-c", str(run / "dovecot.conf")],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                log_text = (run / "stdout.log").read_text(errors="replace")
                if (run / "dovecot.log").exists():
                    log_text += (run / "dovecot.log").read_text(errors="replace")
                self.stop()
                raise MailPeerError(f"Dovecot did not start:\n{log_text[-3000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
        self.port = 0

    def add_user(self, address: str, password: str) -> None:
        """A mailbox (Dovecot rereads the passwd-file when it changes)."""
        self._users[address] = password
        lines = "".join(f"{user}:{{PLAIN}}{secret}\n" for user, secret in self._users.items())
        (self.run_dir / "users").write_text(lines)

    def imap(self, address: str) -> imaplib.IMAP4:
        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        connection.login(address, self._users[address])
        return connection

    def deliver(self, address: str, raw: bytes) -> None:
        """Put a message into the user's INBOX, unread, as a delivery agent does."""
        connection = self.imap(address)
        try:
            kind, data = connection.append("INBOX", None, None, raw)
            if kind != "OK":
                raise MailPeerError(f"APPEND refused: {data!r}")
        finally:
            connection.logout()

    def unseen(self, address: str) -> int:
        connection = self.imap(address)
        try:
            connection.select("INBOX", readonly=True)
            _kind, data = connection.uid("SEARCH", "UNSEEN")
            return len(data[0].split()) if data and data[0] else 0
        finally:
            connection.logout()


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    authenticated: bool


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(  # noqa: N802  (aiosmtpd's hook name)
        self, server: Any, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        message = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(content)
        self.sink.received.append(
            Received(
                str(envelope.mail_from),
                [str(r) for r in envelope.rcpt_tos],
                message,
                bool(session.authenticated),
            )
        )
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on 127.0.0.1 that records what it is sent (after a LOGIN/PLAIN login)."""

    def __init__(self, *, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.received: list[Received] = []
        self.port = _free_port()
        self.controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
        )

    def _authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
