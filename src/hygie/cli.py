"""The ``hygie`` command.

hygie run        web server on 127.0.0.1:8000, plus the background worker in embedded mode
hygie worker     a Celery worker (as many as you like, on as many machines as you like)
hygie beat       the periodic scheduler (exactly one per installation)
hygie manage …   any Django management command (migrate, createsuperuser, verify_audit…)
hygie check      check texts against the health-communication rules (JSON Lines in and out)
hygie triage     read inbound messages for adverse events, abuse, questions (JSON Lines)
hygie --version
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

from hygie import __version__


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygie.settings")
    import django

    django.setup()


def cmd_manage(args: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygie.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hygie manage", *args])
    return 0


def cmd_worker(ns: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings

    from hygie.celery import app

    argv = [
        "worker",
        f"--loglevel={ns.loglevel}",
        f"--concurrency={ns.concurrency}",
        f"--pool={ns.pool}",
        "--queues=hygie",
    ]
    if ns.hostname:
        argv.append(f"--hostname={ns.hostname}")
    if ns.beat:
        if not settings.BROKER_EMBEDDED:
            print(
                "note: --beat inside a worker is for single-machine installs; "
                "with several workers run one `hygie beat` instead",
                file=sys.stderr,
            )
        argv += ["--beat", f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}"]
    if settings.BROKER_EMBEDDED:
        # The file broker has no fan-out for the gossip/mingle chatter of a cluster.
        argv += ["--without-gossip", "--without-mingle"]
    app.worker_main(argv)


def cmd_beat(ns: argparse.Namespace) -> int:
    _setup_django()
    from hygie.celery import app

    app.start(["beat", f"--loglevel={ns.loglevel}"])


def cmd_run(ns: argparse.Namespace) -> int:
    """Serve the web app with gunicorn and, in embedded mode, run the worker beside it."""
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    python = sys.executable
    names = ["web"]
    children: list[subprocess.Popen[bytes]] = [
        subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "hygie.wsgi:application",
                "--bind",
                f"{ns.host}:{ns.port}",
                "--workers",
                str(ns.web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ]
        )
    ]
    with_worker = ns.worker if ns.worker is not None else settings.BROKER_EMBEDDED
    if with_worker:
        names.append("worker")
        children.append(
            subprocess.Popen([python, "-m", "hygie", "worker", "--beat", "--concurrency", "2"])
        )
    print(f"Hygie {__version__} on http://{ns.host}:{ns.port}/ (Ctrl+C to stop)", flush=True)

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping:
        for name, child in zip(names, children, strict=True):
            code = child.poll()
            if code is not None:
                print(f"hygie run: the {name} process exited with {code}", file=sys.stderr)
                stopping, status = True, code or 1
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hygie", description="Community management for health organisations."
    )
    parser.add_argument("--version", action="version", version=f"hygie {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="serve the web app (and the worker in embedded mode)")
    run.add_argument("--host", default=os.environ.get("HYGIE_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("HYGIE_PORT", "8000")))
    run.add_argument("--web-workers", type=int, default=2)
    group = run.add_mutually_exclusive_group()
    group.add_argument(
        "--worker",
        dest="worker",
        action="store_true",
        default=None,
        help="also run a background worker (default in embedded mode)",
    )
    group.add_argument("--no-worker", dest="worker", action="store_false", help="web server only")

    worker = sub.add_parser("worker", help="run a background worker")
    worker.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    worker.add_argument("--beat", action="store_true", help="also run the periodic scheduler")
    worker.add_argument(
        "--pool",
        choices=["prefork", "threads", "solo"],
        default="prefork",
        help="prefork (processes, the default) or threads (cheaper for network-bound work)",
    )
    worker.add_argument("--hostname", default="", help="worker name, e.g. w1@%%h")
    worker.add_argument("--loglevel", default="INFO")

    beat = sub.add_parser("beat", help="run the periodic scheduler (one per installation)")
    beat.add_argument("--loglevel", default="INFO")

    sub.add_parser("manage", help="run a Django management command", add_help=False)
    sub.add_parser("check", help="check JSON Lines texts against the rules", add_help=False)
    sub.add_parser(
        "triage", help="read JSON Lines messages for adverse events and abuse", add_help=False
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "manage":
        return cmd_manage(args[1:])
    if args and args[0] == "check":
        from hygie.compliance.batch import main as check_main

        return check_main(args[1:])
    if args and args[0] == "triage":
        from hygie.nlp.batch import main as triage_main

        return triage_main(args[1:])
    parser = build_parser()
    ns = parser.parse_args(args)
    if ns.command == "run":
        return cmd_run(ns)
    if ns.command == "worker":
        return cmd_worker(ns)
    if ns.command == "beat":
        return cmd_beat(ns)
    parser.print_help()
    return 2
