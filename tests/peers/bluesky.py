"""A real Bluesky peer for the tests: PDS + AppView from npm ``@atproto/dev-env``, on loopback.

``BlueskyPeer`` installs the peer once per process (``scripts/peers/bluesky/install.sh``, cached
outside the checkout under ``${HYGIE_PEERS_CACHE:-~/.cache/hygie/peers}/bluesky``), then starts
``scripts/peers/bluesky/start.mjs`` with Node 22: an in-memory PLC, the PDS, the AppView, bsync
and Ozone, every one listening on 127.0.0.1 only.

Each start gets its own TMPDIR (the PDS keeps its repos and blobs there) and a FRESH random
Postgres schema in the database ``hygie_bsky`` on 127.0.0.1:5432 (created if missing): a reused
schema keeps the AppView's old firehose cursor, and the AppView would never index the new PDS.
``stop()`` removes both. Redis (127.0.0.1:6379) only has to be named: dev-env asserts
``REDIS_HOST`` is set, but the AppView of this version never connects to it.

The AppView indexes the PDS's firehose asynchronously (about 0.3 s): poll, as ``wait_indexed``
and ``poll`` do, never read right after a write. Handles must end with ``.test``.

Usage::

    with BlueskyPeer() as peer:
        alice = peer.create_account("alice.test", "alice-password")
        peer.wait_indexed(alice["did"])
        peer.xrpc_get("app.bsky.actor.getProfile", alice["accessJwt"], actor=alice["did"])
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = REPO_ROOT / "scripts" / "peers" / "bluesky"
INSTALL_SH = SCRIPTS / "install.sh"
START_MJS = SCRIPTS / "start.mjs"

DEFAULT_PORT_BASE = 2582  # PLC = base, PDS = base+1, AppView = base+2, Ozone = base+5
PORT_OFFSETS = {"PLC": 0, "PDS": 1, "AppView": 2, "Ozone": 5}
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "hygie_bsky"
STALE_AFTER = 3600.0  # seconds: a run dir with no pid file yet is left alone for this long
_DATABASE_EXISTS_SQL = "SELECT 1 FROM pg_database WHERE datname = 'hygie_bsky'"
DEFAULT_REDIS_HOST = "127.0.0.1:6379"
# dev-env derives these schemas from DB_POSTGRES_SCHEMA (the bare name itself stays unused).
SCHEMA_PREFIXES = ("appview_", "bsync_", "ozone_", "")
# Variables of the caller that must not reach the services (proxies, Node flags, atproto config).
_DROPPED_ENV_PREFIXES = ("PDS_", "BSKY_", "OZONE_", "BSYNC_", "PLC_", "NODE_")
_DROPPED_ENV = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}

_install_lock = threading.Lock()
_installed: dict[str, str] = {}


class BlueskyPeerError(RuntimeError):
    """The peer could not be installed, started or used."""


def install() -> dict[str, str]:
    """Run install.sh once per process; return its ``NODE`` and ``APP`` paths."""
    with _install_lock:
        if not _installed:
            try:
                done = subprocess.run(
                    [_executable("bash"), str(INSTALL_SH)],
                    capture_output=True,
                    text=True,
                    timeout=900,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise BlueskyPeerError(f"{INSTALL_SH} took more than 900 s") from exc
            if done.returncode != 0:
                raise BlueskyPeerError(
                    f"{INSTALL_SH} failed (exit {done.returncode}):\n"
                    + _tail(done.stdout + done.stderr)
                )
            for line in done.stdout.splitlines():
                key, sep, value = line.partition("=")
                if sep and key in ("NODE", "APP"):
                    _installed[key] = value
            if set(_installed) != {"NODE", "APP"}:
                _installed.clear()
                raise BlueskyPeerError(f"{INSTALL_SH} did not print NODE= and APP=")
        return dict(_installed)


def _executable(name: str, hint: str = "") -> str:
    path = shutil.which(name)
    if path is None:
        raise BlueskyPeerError(f"{name} is not on PATH" + (f" ({hint})" if hint else ""))
    return path


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "(empty)"


def _psql(postgres_url: str, database: str, sql: str) -> str:
    """Run SQL with the machine's psql (trust auth); return its unaligned output."""
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10", "PGOPTIONS": "-c client_min_messages=warning"}
    psql = _executable("psql", "Debian: apt-get install postgresql-client")
    done = subprocess.run(
        [psql, f"{postgres_url}/{database}", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1"],
        input=sql,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise BlueskyPeerError(
            f"psql on {postgres_url}/{database} failed: {done.stderr.strip()} "
            "(is PostgreSQL up? scripts/services.sh starts it)"
        )
    return done.stdout.strip()


def _ensure_database(postgres_url: str) -> None:
    """Create the database hygie_bsky if missing (two processes may race: both are fine)."""
    if _psql(postgres_url, "postgres", _DATABASE_EXISTS_SQL):
        return
    try:
        _psql(postgres_url, "postgres", f"CREATE DATABASE {DATABASE}")
    except BlueskyPeerError:
        if not _psql(postgres_url, "postgres", _DATABASE_EXISTS_SQL):
            raise


def _drop_schemas(postgres_url: str, schema: str) -> None:
    if not re.fullmatch(r"hygie_[a-z]+", schema):
        raise ValueError(f"not a peer schema: {schema!r}")
    schemas = ", ".join(f"{prefix}{schema}" for prefix in SCHEMA_PREFIXES)
    _psql(postgres_url, DATABASE, f"DROP SCHEMA IF EXISTS {schemas} CASCADE")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_stale_runs(postgres_url: str) -> None:
    """Remove what killed runs left behind (stop() never ran): their TMPDIR and schemas.

    A run dir is stale when its node process is gone, or, with no pid written yet, when it is
    older than an hour. The node process itself stops when its parent dies (stdin EOF).
    """
    for run_dir in Path(tempfile.gettempdir()).glob("hygie-bsky-*"):
        pid_file, schema_file = run_dir / "pid", run_dir / "schema"
        try:
            if pid_file.exists():
                if _process_alive(int(pid_file.read_text())):
                    continue
            elif time.time() - run_dir.stat().st_mtime < STALE_AFTER:
                continue
            schema = schema_file.read_text().strip() if schema_file.exists() else ""
        except (OSError, ValueError):
            continue
        if re.fullmatch(r"hygie_[a-z]+", schema):
            _drop_schemas(postgres_url, schema)
        shutil.rmtree(run_dir, ignore_errors=True)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As Node does: connections of a previous run in TIME_WAIT do not make the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class BlueskyPeer:
    """A started-on-demand Bluesky network (context manager). Not thread-safe."""

    def __init__(
        self,
        port_base: int = DEFAULT_PORT_BASE,
        *,
        postgres_url: str = DEFAULT_POSTGRES,
        redis_host: str = DEFAULT_REDIS_HOST,
        startup_timeout: float = 90.0,
    ) -> None:
        if not 1024 <= port_base <= 65535 - max(PORT_OFFSETS.values()):
            raise ValueError(f"port_base {port_base} is out of range")
        self.ports = {name: port_base + offset for name, offset in PORT_OFFSETS.items()}
        self.port_base = port_base
        self.postgres_url = postgres_url.rstrip("/")
        self.redis_host = redis_host
        self.startup_timeout = startup_timeout
        self.schema = ""
        self.startup_seconds = 0.0
        self._pds_url = ""
        self._appview_url = ""
        self._run_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._client: httpx.Client | None = None
        self._tokens: dict[str, str] = {}  # did and handle -> accessJwt

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> BlueskyPeer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise BlueskyPeerError("the peer is not started")
        return self._process.pid

    @property
    def pds_url(self) -> str:
        if not self._pds_url:
            raise BlueskyPeerError("the peer is not started")
        return self._pds_url

    @property
    def appview_url(self) -> str:
        if not self._appview_url:
            raise BlueskyPeerError("the peer is not started")
        return self._appview_url

    @property
    def log_path(self) -> Path:
        if self._run_dir is None:
            raise BlueskyPeerError("the peer is not started")
        return self._run_dir / "peer.log"

    def start(self) -> BlueskyPeer:
        if self._process is not None:
            raise BlueskyPeerError("the peer is already started")
        paths = install()
        busy = [f"{name} {port}" for name, port in self.ports.items() if not _port_is_free(port)]
        if busy:
            raise BlueskyPeerError(
                f"127.0.0.1 ports already in use: {', '.join(busy)} (another peer still running? "
                "pass another port_base)"
            )
        _ensure_database(self.postgres_url)
        _sweep_stale_runs(self.postgres_url)
        # [a-z_] only: bsync throws on digits. Fresh for every start, dropped by stop().
        self.schema = "hygie_" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
        self._run_dir = Path(tempfile.mkdtemp(prefix="hygie-bsky-"))
        (self._run_dir / "schema").write_text(self.schema)  # for _sweep_stale_runs
        tmp = self._run_dir / "tmp"
        tmp.mkdir()
        node_bin = Path(paths["NODE"])
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(_DROPPED_ENV_PREFIXES) and key.lower() not in _DROPPED_ENV
        }
        env.update(
            PATH=f"{node_bin.parent}{os.pathsep}{env.get('PATH', '')}",
            TMPDIR=str(tmp),
            HYGIE_BSKY_APP_DIR=paths["APP"],
            HYGIE_BSKY_PORT_BASE=str(self.port_base),
            HYGIE_BSKY_EXIT_ON_STDIN_EOF="1",
            DB_POSTGRES_URL=f"{self.postgres_url}/{DATABASE}",
            DB_POSTGRES_SCHEMA=self.schema,
            REDIS_HOST=self.redis_host,
            LOG_ENABLED="false",
        )
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [str(node_bin), str(START_MJS)],
                stdin=subprocess.PIPE,  # closed when this process dies: the peer then stops
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self._run_dir,
                start_new_session=True,  # a Ctrl-C in pytest does not hit it before stop()
            )
        (self._run_dir / "pid").write_text(str(self._process.pid))
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _wait_ready(self, started: float) -> None:
        assert self._process is not None
        while True:
            text = self.log_path.read_text(errors="replace")
            for line in text.splitlines():
                if line.startswith("READY "):
                    _, self._pds_url, self._appview_url = line.split()
                    return
            if self._process.poll() is not None:
                raise BlueskyPeerError(
                    f"the Bluesky peer exited with status {self._process.returncode} before READY; "
                    f"log tail:\n{_tail(text)}"
                )
            if time.monotonic() - started > self.startup_timeout:
                raise BlueskyPeerError(
                    f"the Bluesky peer was not READY within {self.startup_timeout:.0f} s; "
                    f"log tail:\n{_tail(text)}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM the network (kill it after 20 s), remove its TMPDIR, drop its schemas."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
            if process.stdin is not None:
                process.stdin.close()
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
        if self.schema:
            _drop_schemas(self.postgres_url, self.schema)
            self.schema = ""
        self._pds_url = self._appview_url = ""
        self._tokens.clear()
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- XRPC helpers (plain httpx) ------------------------------------------------------------

    @property
    def _http(self) -> httpx.Client:
        if self._client is None:
            # trust_env=False: loopback only, never through a proxy from the environment
            self._client = httpx.Client(timeout=15.0, trust_env=False)
        return self._client

    def _check(self, response: httpx.Response) -> dict[str, Any]:
        if response.is_error:
            raise BlueskyPeerError(
                f"{response.request.method} {response.request.url.path} -> "
                f"{response.status_code}: {response.text[:500]}"
            )
        body: dict[str, Any] = response.json() if response.content else {}
        return body

    @staticmethod
    def _auth(token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def xrpc_get(
        self, nsid: str, token: str | None = None, *, base_url: str | None = None, **params: Any
    ) -> dict[str, Any]:
        """GET an XRPC query on the PDS (which proxies app.bsky.* to the AppView) or base_url."""
        url = f"{base_url or self.pds_url}/xrpc/{nsid}"
        return self._check(self._http.get(url, params=params, headers=self._auth(token)))

    def xrpc_post(
        self, nsid: str, token: str | None = None, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """POST an XRPC procedure with a JSON body on the PDS."""
        url = f"{self.pds_url}/xrpc/{nsid}"
        return self._check(self._http.post(url, json=dict(body or {}), headers=self._auth(token)))

    def upload_blob(self, token: str, data: bytes, mime_type: str) -> dict[str, Any]:
        """com.atproto.repo.uploadBlob; returns the blob ref to put in a record."""
        response = self._http.post(
            f"{self.pds_url}/xrpc/com.atproto.repo.uploadBlob",
            content=data,
            headers={**self._auth(token), "Content-Type": mime_type},
        )
        blob: dict[str, Any] = self._check(response)["blob"]
        return blob

    def create_account(self, handle: str, password: str) -> dict[str, Any]:
        """com.atproto.server.createAccount; returns did, handle, accessJwt, refreshJwt, ..."""
        if not handle.endswith(".test"):
            raise ValueError(f"handles on this PDS must end with .test, not {handle!r}")
        account = self.xrpc_post(
            "com.atproto.server.createAccount",
            body={"handle": handle, "password": password, "email": f"{handle}@mail.test"},
        )
        self._tokens[account["did"]] = self._tokens[account["handle"]] = account["accessJwt"]
        return account

    def wait_indexed(
        self, did_or_handle: str, *, token: str | None = None, timeout: float = 15.0
    ) -> dict[str, Any]:
        """Poll app.bsky.actor.getProfile through the PDS until the AppView knows the account.

        Uses the token of the account created by ``create_account`` unless one is given.
        Returns the profile view.
        """
        token = token or self._tokens.get(did_or_handle)
        if token is None:
            raise BlueskyPeerError(f"no access token for {did_or_handle}: pass token=")
        return self.poll(
            lambda: self.xrpc_get("app.bsky.actor.getProfile", token, actor=did_or_handle),
            timeout=timeout,
            what=f"the AppView to index {did_or_handle}",
        )

    @staticmethod
    def poll(
        attempt: Callable[[], T | None],
        *,
        timeout: float = 15.0,
        interval: float = 0.1,
        what: str = "the condition",
    ) -> T:
        """Call ``attempt`` until it returns a truthy value without raising BlueskyPeerError."""
        deadline = time.monotonic() + timeout
        last = "it returned nothing"
        while True:
            try:
                result = attempt()
            except BlueskyPeerError as exc:
                last = str(exc)
            else:
                if result:
                    return result
                last = f"it returned {result!r}"
            if time.monotonic() > deadline:
                raise BlueskyPeerError(
                    f"timed out after {timeout:.0f} s waiting for {what}: {last}"
                )
            time.sleep(interval)

    # -- checks --------------------------------------------------------------------------------

    def listening_addresses(self) -> list[tuple[str, int]]:
        """(ip, port) of every TCP socket the peer process listens on (Linux /proc)."""
        inodes: set[str] = set()
        for fd in Path(f"/proc/{self.pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
        found: list[tuple[str, int]] = []
        for table, width in (("tcp", 8), ("tcp6", 32)):
            lines = Path(f"/proc/{self.pid}/net/{table}").read_text().splitlines()[1:]
            for line in lines:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state != "0A" or inode not in inodes:  # 0A: LISTEN
                    continue
                hex_ip, hex_port = local.split(":")
                assert len(hex_ip) == width
                raw = bytes.fromhex(hex_ip)
                # /proc prints each 32-bit word in host (little-endian) order
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                family = socket.AF_INET if width == 8 else socket.AF_INET6
                found.append((socket.inet_ntop(family, raw), int(hex_port, 16)))
        return sorted(found)
