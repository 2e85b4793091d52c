"""Prism serving Meta's WhatsApp Cloud API document as a validating mock, on loopback.

``PrismMock`` installs Prism once (``scripts/peers/whatsapp/install.sh``, cached outside the
checkout under ``${HYGIE_PEERS_CACHE:-~/.cache/hygie/peers}/prism``) and runs
``prism mock --errors`` on the OpenAPI document copied in ``tests/peers/specs/`` (the tests never
read anything outside the checkout). With ``--errors``, Prism checks every request against the
document (path, headers, body schema) and answers 422 with the violations when it does not
match; a valid request gets the document's example answer. It listens on 127.0.0.1 only.

Usage::

    with PrismMock(SPEC) as prism:
        httpx.post(f"{prism.url}/v23.0/106540352242922/messages", ...)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_SH = REPO_ROOT / "scripts" / "peers" / "whatsapp" / "install.sh"
SPECS = Path(__file__).resolve().parent / "specs"
WHATSAPP_SPEC = SPECS / "whatsapp-business-messaging-v23.yaml"

_install_lock = threading.Lock()
_installed: dict[str, str] = {}


class PrismError(RuntimeError):
    """Prism could not be installed or started."""


def install() -> dict[str, str]:
    """Run install.sh once per process; return its ``NODE`` and ``PRISM`` paths."""
    with _install_lock:
        if not _installed:
            bash = shutil.which("bash")
            if bash is None:
                raise PrismError("bash is not on PATH")
            done = subprocess.run(
                [bash, str(INSTALL_SH)], capture_output=True, text=True, timeout=600, check=False
            )
            if done.returncode != 0:
                raise PrismError(f"{INSTALL_SH} failed:\n{(done.stdout + done.stderr)[-3000:]}")
            for line in done.stdout.splitlines():
                key, sep, value = line.partition("=")
                if sep and key in ("NODE", "PRISM"):
                    _installed[key] = value
            if set(_installed) != {"NODE", "PRISM"}:
                _installed.clear()
                raise PrismError(f"{INSTALL_SH} did not print NODE= and PRISM=")
        return dict(_installed)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrismMock:
    """One ``prism mock --errors`` process (context manager)."""

    def __init__(self, spec: Path = WHATSAPP_SPEC, *, startup_timeout: float = 60.0) -> None:
        self.spec = spec
        self.startup_timeout = startup_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._run_dir: Path | None = None

    @property
    def url(self) -> str:
        if not self.port:
            raise PrismError("Prism is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        if self._run_dir is None:
            raise PrismError("Prism is not started")
        return self._run_dir / "prism.log"

    def __enter__(self) -> PrismMock:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> PrismMock:
        paths = install()
        self.port = free_port()
        self._run_dir = Path(tempfile.mkdtemp(prefix="hygie-prism-"))
        env = {
            k: v
            for k, v in os.environ.items()
            if k.lower() not in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
        }
        env["TMPDIR"] = str(self._run_dir)
        argv = [
            paths["NODE"],
            paths["PRISM"],
            "mock",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "--errors",
            str(self.spec),
        ]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + self.startup_timeout
        while "Prism is listening" not in self.log_path.read_text(errors="replace"):
            if self._process.poll() is not None or time.monotonic() > deadline:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                self.stop()
                raise PrismError(f"Prism did not start:\n{tail}")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
        self.port = 0
