"""A real Matrix peer for the tests: Synapse (PyPI ``matrix-synapse``) with SQLite, on loopback.

``MatrixPeer`` installs Synapse once per process (``scripts/peers/matrix/install.sh``, into a
virtualenv cached outside the checkout under ``${HYGIE_PEERS_CACHE:-~/.cache/hygie/peers}``),
writes a homeserver configuration into a fresh temporary directory and starts it on
``127.0.0.1`` (a free port), with only the client API: no federation listener, no key servers,
no open registration, rate limits raised so that tests never meet them. Users are created with
the shared-secret registration API (``/_synapse/admin/v1/register``). ``stop()`` terminates the
server and removes its directory (database, media, logs).

Usage::

    with MatrixPeer() as peer:
        alice = peer.register("alice")
        room = peer.create_dm(alice, invite=bob["user_id"])
        peer.send(alice, room, "Bonjour")
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_SH = REPO_ROOT / "scripts" / "peers" / "matrix" / "install.sh"
SERVER_NAME = "hygie.test"
CLIENT = "/_matrix/client/v3"
_FAST = "{per_second: 1000, burst_count: 1000}"

_install_lock = threading.Lock()
_installed: dict[str, str] = {}


class MatrixPeerError(RuntimeError):
    """The peer could not be installed, started or used."""


def install() -> str:
    """Run install.sh once per process; return the Python that has Synapse."""
    with _install_lock:
        if not _installed:
            bash = shutil.which("bash") or "/bin/bash"
            try:
                done = subprocess.run(
                    [bash, str(INSTALL_SH)],
                    capture_output=True,
                    text=True,
                    timeout=900,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise MatrixPeerError(f"{INSTALL_SH} took more than 900 s") from exc
            if done.returncode != 0:
                raise MatrixPeerError(
                    f"{INSTALL_SH} failed (exit {done.returncode}):\n"
                    + _tail(done.stdout + done.stderr)
                )
            for line in done.stdout.splitlines():
                key, sep, value = line.partition("=")
                if sep and key == "PYTHON":
                    _installed["PYTHON"] = value
            if "PYTHON" not in _installed:
                raise MatrixPeerError(f"{INSTALL_SH} did not print PYTHON=")
        return _installed["PYTHON"]


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "(empty)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _signing_key() -> str:
    """An ed25519 signing key in Synapse's file format (``ed25519 <version> <seed>``)."""
    seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"ed25519 a_hygie {seed}\n"


def _config(run_dir: Path, port: int, shared_secret: str) -> str:
    return f"""\
server_name: "{SERVER_NAME}"
pid_file: {run_dir}/homeserver.pid
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {run_dir}/homeserver.db
log_config: {run_dir}/log.yaml
media_store_path: {run_dir}/media
signing_key_path: {run_dir}/signing.key
registration_shared_secret: "{shared_secret}"
macaroon_secret_key: "{secrets.token_hex(16)}"
form_secret: "{secrets.token_hex(16)}"
report_stats: false
enable_metrics: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
enable_registration: false
url_preview_enabled: false
rc_message: {_FAST}
rc_registration: {_FAST}
rc_login:
  address: {_FAST}
  account: {_FAST}
  failed_attempts: {_FAST}
rc_joins:
  local: {_FAST}
rc_invites:
  per_room: {_FAST}
  per_user: {_FAST}
"""


def _log_config(run_dir: Path) -> str:
    return f"""\
version: 1
formatters:
  precise:
    format: '%(asctime)s %(name)s %(levelname)s %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: {run_dir}/homeserver.log
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


class MatrixPeer:
    """A started-on-demand Synapse (context manager). Not thread-safe."""

    def __init__(self, *, startup_timeout: float = 60.0) -> None:
        self.startup_timeout = startup_timeout
        self.startup_seconds = 0.0
        self.port = 0
        self._shared_secret = secrets.token_hex(16)
        self._run_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._client: httpx.Client | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> MatrixPeer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if not self.port:
            raise MatrixPeerError("the peer is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise MatrixPeerError("the peer is not started")
        return self._process.pid

    def start(self) -> MatrixPeer:
        if self._process is not None:
            raise MatrixPeerError("the peer is already started")
        python = install()
        self._run_dir = run_dir = Path(tempfile.mkdtemp(prefix="hygie-matrix-"))
        self.port = _free_port()
        (run_dir / "homeserver.yaml").write_text(_config(run_dir, self.port, self._shared_secret))
        (run_dir / "log.yaml").write_text(_log_config(run_dir))
        (run_dir / "signing.key").write_text(_signing_key())
        env = {
            key: value
            for key, value in os.environ.items()
            if key.lower() not in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
            and not key.startswith(("SYNAPSE_", "PYTHON"))
        }
        started = time.monotonic()
        with (run_dir / "stdout.log").open("wb") as log:
            self._process = subprocess.Popen(
                [
                    python,
                    "-m",
                    "synapse.app.homeserver",
                    "--config-path",
                    str(run_dir / "homeserver.yaml"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=run_dir,
                start_new_session=True,
            )
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _wait_ready(self, started: float) -> None:
        assert self._process is not None and self._run_dir is not None
        while True:
            try:
                if self._http.get(f"{self.url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self._process.poll() is not None:
                raise MatrixPeerError(
                    f"Synapse exited with status {self._process.returncode}; log tail:\n"
                    + _tail((self._run_dir / "stdout.log").read_text(errors="replace"))
                )
            if time.monotonic() - started > self.startup_timeout:
                raise MatrixPeerError(f"Synapse did not answer within {self.startup_timeout} s")
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM Synapse (kill it after 20 s) and remove its directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
        if self._client is not None:
            self._client.close()
            self._client = None
        self.port = 0

    # -- client API helpers (plain httpx) ------------------------------------------------------

    @property
    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=15.0, trust_env=False)
        return self._client

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self._http.request(method, f"{self.url}{path}", headers=headers, **kwargs)
        if response.is_error:
            raise MatrixPeerError(
                f"{method} {path} -> {response.status_code}: {response.text[:500]}"
            )
        body: dict[str, Any] = response.json() if response.content else {}
        return body

    def register(self, localpart: str, password: str | None = None) -> dict[str, Any]:
        """A new user through shared-secret registration; returns user_id and access_token."""
        password = password or secrets.token_urlsafe(12)
        nonce = self.call("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self._shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode()]))
        mac.update(b"\x00notadmin")
        user = self.call(
            "POST",
            "/_synapse/admin/v1/register",
            json={
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": False,
                "mac": mac.hexdigest(),
            },
        )
        return {**user, "password": password}

    def create_dm(self, user: dict[str, Any], *, invite: str) -> str:
        """A direct chat created by ``user`` with ``invite``, as Matrix clients create them."""
        room = self.call(
            "POST",
            f"{CLIENT}/createRoom",
            user["access_token"],
            json={"is_direct": True, "invite": [invite], "preset": "trusted_private_chat"},
        )
        return str(room["room_id"])

    def send(self, user: dict[str, Any], room_id: str, text: str) -> str:
        txn = secrets.token_hex(8)
        answer = self.call(
            "PUT",
            f"{CLIENT}/rooms/{quote(room_id, safe='')}/send/m.room.message/{txn}",
            user["access_token"],
            json={"msgtype": "m.text", "body": text},
        )
        return str(answer["event_id"])

    def messages(self, user: dict[str, Any], room_id: str) -> list[dict[str, Any]]:
        """The room's messages as ``user`` reads them, oldest first."""
        answer = self.call(
            "GET",
            f"{CLIENT}/rooms/{quote(room_id, safe='')}/messages",
            user["access_token"],
            params={"dir": "b", "limit": 100},
        )
        chunk = [e for e in answer.get("chunk", []) if e.get("type") == "m.room.message"]
        return list(reversed(chunk))

    def sync(self, user: dict[str, Any], since: str = "") -> dict[str, Any]:
        params: dict[str, Any] = {"timeout": 0}
        if since:
            params["since"] = since
        return self.call("GET", f"{CLIENT}/sync", user["access_token"], params=params)
