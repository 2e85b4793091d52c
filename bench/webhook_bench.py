# The benchmark starts its own commands (python, gunicorn, hygie) with fixed argument lists,
# and signs with a throw-away app secret of its own.
# ruff: noqa: S603, S105, S106
"""Webhook ingestion benchmark: signed Meta deliveries stored durably on PostgreSQL.

One command (from the repository root)::

    .venv/bin/python bench/webhook_bench.py

It needs PostgreSQL on 127.0.0.1:5432 (user ``postgres``, trust) and Redis on 127.0.0.1:6379
(database 13, flushed). For each delivery size (``--sizes``, default 1 and 20 events):

1. **Ingestion.** gunicorn serves Hygie on loopback (``--web-workers`` processes × ``--threads``
   threads, gthread), with ``HYGIE_META_APP_SECRET`` set. A load generator in this process
   (asyncio, ``--connections`` keep-alive HTTP/1.1 connections, requests built and signed on
   the fly: WhatsApp text-message deliveries in the published shape, every event id unique)
   posts to ``/webhooks/meta/`` for ``--duration`` seconds. Each 200 means the delivery row was
   committed (PostgreSQL with its own fsync/synchronous_commit settings, printed) and its
   processing task queued in Redis. Measured: requests/s, events/s stored (committed rows ×
   events per delivery / elapsed), p50/p95/p99 latency, and losses: acknowledged deliveries
   without a row (must be 0).
2. **Processing.** One ``hygie worker --pool solo`` (one process, one task at a time) consumes
   the queue for ``--process-seconds``; events/s ingested into the inbox = events of the
   deliveries it processed / (last - first ``processed_at``). It also checks that the inbox
   holds exactly as many items as the deliveries say they ingested.

Prints the figures and the ratio against ``bench/results/baseline-webhooks.json`` (written by
the first run; delete it to start a new baseline), and saves the run as
``bench/results/webhooks-<timestamp>.json``. Goal (issue #5): ≥ 2,000 events/s stored durably.

Everything it starts runs in its own session and is stopped by process-group id; the bench
database is dropped at the end (unless ``--keep-db``). Loopback only, bounded waits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchlib import PG, db_url, free_port, log, machine_cpu, pct, pg_admin, pg_setting

BENCH_DIR = Path(__file__).resolve().parent

ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
WORK_DIR = BENCH_DIR / ".var" / "webhook"  # secrets, logs: never committed (bench/.gitignore)
BASELINE = RESULTS_DIR / "baseline-webhooks.json"
PYTHON = sys.executable
APP_SECRET = "bench-meta-app-secret"
PHONE_NUMBER_ID = "100000000000001"
SENDERS = 1000  # distinct people writing (conversations)


def group_cpu_seconds(pgid: int) -> float:
    """utime + stime of every live process in a process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            after = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(after[2]) == pgid:
            total += int(after[11]) + int(after[12])
    return total / ticks


def command_cpu_seconds(names: tuple[str, ...]) -> float:
    """utime + stime of every live process whose command name is in ``names`` (postgres…)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        if name in names:
            after = stat.rsplit(")", 1)[1].split()
            total += int(after[11]) + int(after[12])
    return total / ticks


def backend_pids(db_name: str) -> list[int]:
    """The PostgreSQL backends serving the bench database (not other people's)."""
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **PG) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [db_name]
        ).fetchall()
    return [int(r[0]) for r in rows]


def pids_cpu_seconds(pids: list[int]) -> dict[int, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            after = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(after[11]) + int(after[12])) / ticks
    return found


def stop_group(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


# --- deliveries -----------------------------------------------------------------------------

_MESSAGE = (
    '{{"from":"336{sender:08d}","id":"wamid.bench-{n:09d}","timestamp":"{ts}",'
    '"type":"text","text":{{"body":"Bonjour, avez-vous du paracétamol en stock ? n°{n}"}}}}'
)
_CONTACT = '{{"profile":{{"name":"Patient {sender}"}},"wa_id":"336{sender:08d}"}}'


def delivery_body(first: int, size: int) -> bytes:
    """A WhatsApp delivery (the spec's text-message shape) with events first … first+size-1."""
    ts = int(time.time())
    numbers = range(first, first + size)
    messages = ",".join(_MESSAGE.format(n=n, sender=n % SENDERS, ts=ts) for n in numbers)
    contacts = ",".join(
        _CONTACT.format(sender=s) for s in dict.fromkeys(n % SENDERS for n in numbers)
    )
    return (
        '{"object":"whatsapp_business_account","entry":[{"id":"419561257915477","changes":[{'
        '"field":"messages","value":{"messaging_product":"whatsapp","metadata":{'
        f'"display_phone_number":"15550783881","phone_number_id":"{PHONE_NUMBER_ID}"}},'
        f'"contacts":[{contacts}],"messages":[{messages}]}}}}]}}]}}'
    ).encode()


def signed_request(body: bytes) -> bytes:
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    head = (
        "POST /webhooks/meta/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nUser-Agent: facebookexternalua\r\n"
        f"Content-Length: {len(body)}\r\nX-Hub-Signature-256: sha256={digest}\r\n\r\n"
    )
    return head.encode() + body


# --- the load generator (a minimal keep-alive HTTP/1.1 client: cheap on a 2-core machine) -----


class Load:
    def __init__(self, port: int, size: int, first_event: int) -> None:
        self.port = port
        self.size = size
        self.counter = itertools.count()
        self.first_event = first_event
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.sent = 0

    async def _read_response(self, reader: asyncio.StreamReader) -> tuple[int, bool]:
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await reader.readexactly(length)
        return status, close

    async def _connection(self, deadline: float) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while time.monotonic() < deadline:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert reader is not None  # noqa: S101  (set together with writer)
            n = next(self.counter)
            request = signed_request(delivery_body(self.first_event + n * self.size, self.size))
            started = time.perf_counter()
            self.sent += 1
            try:
                writer.write(request)
                await writer.drain()
                status, close = await self._read_response(reader)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
                self.errors[type(exc).__name__] += 1
                writer.close()
                writer = None
                continue
            self.latencies.append(time.perf_counter() - started)
            self.statuses[status] += 1
            if close:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    async def run(self, connections: int, duration: float) -> float:
        deadline = time.monotonic() + duration
        started = time.perf_counter()
        await asyncio.gather(*(self._connection(deadline) for _ in range(connections)))
        return time.perf_counter() - started

    @property
    def used_events(self) -> int:
        return next(self.counter) * self.size


# --- phases ---------------------------------------------------------------------------------


def wait_for_quiet(limit_s: float) -> float:
    """Wait (at most ``limit_s``) for 3 s with the machine under 25 % busy; the last figure."""
    deadline = time.monotonic() + limit_s
    while True:
        before = machine_cpu()
        time.sleep(3)
        after = machine_cpu()
        busy = round((after[0] - before[0]) / max(1, after[1] - before[1]), 3)
        if busy < 0.25 or time.monotonic() > deadline:
            return busy
        log(f"the machine is {busy:.0%} busy (other work): waiting for it to calm down")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Webhook ingestion benchmark (see bench/README.md).")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of load per size")
    p.add_argument("--sizes", default="1,20", help="events per delivery, e.g. 1,20")
    p.add_argument("--web-workers", type=int, default=3, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    p.add_argument("--connections", type=int, default=12, help="concurrent client connections")
    p.add_argument("--process-seconds", type=float, default=20.0, help="0: skip processing")
    p.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=300.0,
        help="wait up to this long for other work on the machine to stop (0: do not wait)",
    )
    p.add_argument("--db-name", default="hygie_webhook_bench")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--no-baseline", action="store_true", help="neither read nor create it")
    p.add_argument("--label", default="", help="free text stored with the results")
    ns = p.parse_args()
    ns.size_list = [int(x) for x in ns.sizes.split(",") if x.strip()]
    if not ns.size_list or min(ns.size_list) < 1 or ns.duration <= 0:
        p.error("sizes and duration must be positive")
    return ns


def configure_environment(ns: argparse.Namespace) -> dict[str, str]:
    """The environment of this process (before Django starts), gunicorn and the worker."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hygie.settings",
        DATABASE_URL=db_url(ns.db_name),
        HYGIE_BROKER_URL=ns.broker,
        HYGIE_TASKS_EAGER="false",
        HYGIE_TESTING="false",
        HYGIE_VAR_DIR=str(WORK_DIR),
        HYGIE_LOG_LEVEL="WARNING",
        HYGIE_META_APP_SECRET=APP_SECRET,
        HYGIE_META_VERIFY_TOKEN="bench-verify-token",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DEBUG="false",
        PYTHONUNBUFFERED="1",
    )
    os.environ.clear()
    os.environ.update(env)
    return env


def create_database(ns: argparse.Namespace, env: dict[str, str]) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{ns.db_name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{ns.db_name}"')
    subprocess.run(
        [PYTHON, "-m", "hygie", "manage", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=600,
        cwd=ROOT,
    )


def seed() -> None:
    """One pharmacy with its WhatsApp number (the real actions: a few rows)."""
    from hygie.accounts.actions import do_create_organization
    from hygie.accounts.models import User
    from hygie.channels.actions import do_connect_channel

    owner = User.objects.create_user("bench@bench.test", None, full_name="Bench")
    org = do_create_organization(
        name="Pharmacie Bench", slug="bench", kind="pharmacy", owner=owner, acting_user=owner
    )
    do_connect_channel(
        org,
        network="whatsapp",
        name="WhatsApp Bench",
        handle="+33 1 00 00 00 01",
        acting_user=owner,
        settings={"phone_number_id": PHONE_NUMBER_ID},
    )


def start_gunicorn(ns: argparse.Namespace, env: dict[str, str], port: int) -> Any:
    out = (WORK_DIR / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "hygie.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(ns.web_workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(ns.threads),
            "--keep-alive",
            "30",
            "--backlog",
            "2048",
        ],
        env=env,
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
            s.sendall(b"GET /webhooks/meta/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            if s.recv(64).startswith(b"HTTP/1.1 403"):
                return process
        if process.poll() is not None:
            break
        time.sleep(0.3)
    stop_group(process)
    raise RuntimeError("gunicorn did not start: see bench/.var/webhook/gunicorn.log")


def warm_up(port: int, size: int) -> None:
    """A few requests so that every gunicorn worker has its imports and connections ready."""
    load = Load(port, size, first_event=900_000_000)
    asyncio.run(load.run(4, 1.0))


def queue_length(broker: str) -> int:
    import redis

    client = redis.Redis.from_url(broker, socket_timeout=10)
    try:
        return int(client.llen("hygie"))
    finally:
        client.close()


def flush_broker(broker: str) -> None:
    import redis

    client = redis.Redis.from_url(broker, socket_timeout=10)
    client.flushdb()
    client.close()


def ingestion_phase(
    ns: argparse.Namespace, port: int, gunicorn_pgid: int, size: int, first_event: int
) -> tuple[dict[str, Any], int]:
    from django.db import connection

    from hygie.webhooks.models import WebhookDelivery

    rows_before = WebhookDelivery.objects.count()
    first_id = (WebhookDelivery.objects.order_by("-id").values_list("id", flat=True).first()) or 0
    connection.close()
    load = Load(port, size, first_event)
    cpu0, web0 = machine_cpu(), group_cpu_seconds(gunicorn_pgid)
    redis0 = command_cpu_seconds(("redis-server",))
    pg_pids = backend_pids(ns.db_name)
    pg0 = pids_cpu_seconds(pg_pids)
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    elapsed = asyncio.run(load.run(ns.connections, ns.duration))
    cpu1, web1 = machine_cpu(), group_cpu_seconds(gunicorn_pgid)
    redis1 = command_cpu_seconds(("redis-server",))
    pg1 = pids_cpu_seconds(sorted(set(pg_pids) | set(backend_pids(ns.db_name))))
    # Backends alive at both ends: their difference; opened during the phase: all of it.
    pg_cpu = sum(pg1[pid] - pg0.get(pid, 0.0) for pid in pg1)
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    rows = WebhookDelivery.objects.count() - rows_before
    ticks = os.sysconf("SC_CLK_TCK")
    load_cpu = (self1.ru_utime - self0.ru_utime) + (self1.ru_stime - self0.ru_stime)
    ours = (web1 - web0) + pg_cpu + (redis1 - redis0) + load_cpu
    others = max(0.0, (cpu1[0] - cpu0[0]) / ticks - ours)
    ok = load.statuses.get(200, 0)
    lat_ms = [x * 1000 for x in load.latencies]
    result = {
        "size": size,
        "connections": ns.connections,
        "elapsed_s": round(elapsed, 2),
        "requests_sent": load.sent,
        "responses": dict(load.statuses),
        "client_errors": dict(load.errors),
        "acknowledged": ok,
        "rows_committed": rows,
        "lost": ok - rows,  # acknowledged, yet no row: must be 0
        "requests_per_s": round(ok / elapsed, 1),
        "events_stored_per_s": round(rows * size / elapsed, 1),
        "latency_ms": {
            "p50": round(pct(lat_ms, 50) or 0, 2),
            "p95": round(pct(lat_ms, 95) or 0, 2),
            "p99": round(pct(lat_ms, 99) or 0, 2),
            "max": round(max(lat_ms), 2) if lat_ms else None,
        },
        "cpu": {
            "machine_busy_fraction": round((cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1]), 3),
            "gunicorn_cpu_ms_per_request": round(1000 * (web1 - web0) / max(1, ok), 3),
            # The bench database's backends that lived through the whole phase (WAL writer and
            # checkpointer are shared with the rest of the machine and not counted).
            "postgres_cpu_ms_per_request": round(1000 * pg_cpu / max(1, ok), 3),
            "redis_cpu_ms_per_request": round(1000 * (redis1 - redis0) / max(1, ok), 3),
            "load_generator_cpu_s": round(load_cpu, 2),
            # Everything else the machine did meanwhile (other people's work, PostgreSQL's
            # shared processes), in cores: a busy machine makes the figures lower.
            "other_cpu_cores": round(others / elapsed, 2),
        },
        "queued_tasks": queue_length(ns.broker),
        "first_delivery_id": first_id + 1,
    }
    connection.close()
    return result, load.used_events


def processing_phase(
    ns: argparse.Namespace, env: dict[str, str], first_delivery_id: int
) -> dict[str, Any]:
    """One worker process (solo pool) consumes the queue for a while."""
    from django.db import connection
    from django.db.models import Sum

    from hygie.inbox.models import InboxItem
    from hygie.webhooks.models import DeliveryStatus, WebhookDelivery

    deliveries = WebhookDelivery.objects.filter(pk__gte=first_delivery_id)
    out = (WORK_DIR / "worker.log").open("ab")
    worker = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "hygie",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--hostname",
            f"bench-{os.getpid()}@localhost",
        ],
        env=env,
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not deliveries.exclude(status=DeliveryStatus.PENDING).exists():
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError("the worker processed nothing: see bench/.var/webhook/")
            time.sleep(0.2)
        cpu0 = group_cpu_seconds(worker.pid)
        end = time.monotonic() + ns.process_seconds
        while time.monotonic() < end:
            if not deliveries.filter(status=DeliveryStatus.PENDING).exists():
                break
            time.sleep(0.5)
        cpu1 = group_cpu_seconds(worker.pid)
    finally:
        stop_group(worker)
    done = deliveries.filter(status=DeliveryStatus.PROCESSED)
    stamps = sorted(done.values_list("processed_at", flat=True))
    totals = done.aggregate(found=Sum("events_found"), ingested=Sum("events_ingested"))
    found, ingested = totals["found"] or 0, totals["ingested"] or 0
    span = (stamps[-1] - stamps[0]).total_seconds() if len(stamps) > 1 else 0.0
    first_done = done.order_by("processed_at").first()
    # Events of every delivery after the first one, over the time between the first and last.
    after_first = found - (first_done.events_found if first_done else 0)
    items = InboxItem.objects.count()
    all_ingested = WebhookDelivery.objects.aggregate(n=Sum("events_ingested"))["n"] or 0
    failed = deliveries.filter(status=DeliveryStatus.FAILED).order_by("id").first()
    result = {
        "first_error": failed.error[:500] if failed else "",
        "deliveries_processed": len(stamps),
        "deliveries_failed": deliveries.filter(status=DeliveryStatus.FAILED).count(),
        "deliveries_left_pending": deliveries.filter(status=DeliveryStatus.PENDING).count(),
        "events_found": found,
        "events_ingested": ingested,
        "span_s": round(span, 2),
        "events_ingested_per_s": round(after_first / span, 1) if span else None,
        "deliveries_per_s": round((len(stamps) - 1) / span, 1) if span else None,
        "worker_cpu_ms_per_event": round(1000 * (cpu1 - cpu0) / max(1, after_first), 3),
        "inbox_items_total": items,
        "inbox_items_match_ingested": items == all_ingested,
    }
    connection.close()
    flush_broker(ns.broker)  # the rest stays pending in the database, not lost
    return result


# --- report ---------------------------------------------------------------------------------

FIGURES = [
    ("requests/s", ("ingestion", "requests_per_s")),
    ("events stored/s", ("ingestion", "events_stored_per_s")),
    ("p50 ms", ("ingestion", "latency_ms", "p50")),
    ("p95 ms", ("ingestion", "latency_ms", "p95")),
    ("p99 ms", ("ingestion", "latency_ms", "p99")),
    ("lost", ("ingestion", "lost")),
    ("web CPU ms/req", ("ingestion", "cpu", "gunicorn_cpu_ms_per_request")),
    ("PG backends CPU ms/req", ("ingestion", "cpu", "postgres_cpu_ms_per_request")),
    ("Redis CPU ms/req", ("ingestion", "cpu", "redis_cpu_ms_per_request")),
    ("load gen CPU s", ("ingestion", "cpu", "load_generator_cpu_s")),
    ("other work, cores", ("ingestion", "cpu", "other_cpu_cores")),
    ("processing events/s", ("processing", "events_ingested_per_s")),
    ("worker CPU ms/event", ("processing", "worker_cpu_ms_per_event")),
]


def get(document: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
    value: Any = document
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def print_report(document: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    c = document["config"]
    print(
        f"\nWebhook benchmark: gunicorn {c['web_workers']}x{c['threads']} gthread, "
        f"{c['connections']} connections, {c['duration_s']:.0f} s per size, "
        f"{document['machine']['cores']} cores, PostgreSQL synchronous_commit="
        f"{document['postgres']['synchronous_commit']} fsync={document['postgres']['fsync']}; "
        f"machine {document['machine'].get('busy_fraction_before_run', 0):.0%} busy before the run"
    )
    base_runs = {r["size"]: r for r in (baseline or {}).get("runs", [])}
    for run in document["runs"]:
        then = base_runs.get(run["size"])
        against = baseline["created"] if then and baseline else "no matching baseline"
        print(f"\n{run['size']} event(s) per delivery  -  vs baseline {against}")
        print(f"  {'figure':<22}{'this run':>12}{'baseline':>12}{'ratio':>8}")
        for label, path in FIGURES:
            now, before = get(run, path), get(then, path)
            ratio = (
                f"{now / before:.2f}"
                if isinstance(now, int | float) and isinstance(before, int | float) and before
                else "-"
            )
            shown = "-" if now is None else str(now)
            print(f"  {label:<22}{shown:>12}{'-' if before is None else str(before):>12}{ratio:>8}")
        ingestion = run["ingestion"]
        goal = ingestion["events_stored_per_s"] >= 2000
        print(
            f"  goal >= 2,000 events/s stored: {'met' if goal else 'NOT met'}; "
            f"nothing lost: {'yes' if ingestion['lost'] == 0 else 'NO'} "
            f"({ingestion['rows_committed']} rows for {ingestion['acknowledged']} acknowledged)"
        )
        processing = run.get("processing")
        if processing and processing.get("deliveries_failed"):
            print(
                f"  processing FAILED for {processing['deliveries_failed']} deliveries: "
                f"{processing['first_error']}"
            )
        if processing:
            print(
                f"  processing: {processing['deliveries_processed']} deliveries, "
                f"{processing['events_found']} events in {processing['span_s']} s; "
                f"inbox items match the deliveries' counts: "
                f"{'yes' if processing['inbox_items_match_ingested'] else 'NO'}"
            )


def main() -> int:
    ns = parse_args()
    env = configure_environment(ns)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "src"))
    flush_broker(ns.broker)
    log(f"creating and migrating the database {ns.db_name}")
    create_database(ns, env)
    import django

    django.setup()
    from django.db import connections

    seed()
    busy_before = wait_for_quiet(ns.wait_quiet)
    log(f"machine busy before the run (others' load): {busy_before:.0%}")
    started = time.monotonic()
    runs: list[dict[str, Any]] = []
    gunicorn = None
    try:
        port = free_port()
        gunicorn = start_gunicorn(ns, env, port)
        log(f"gunicorn on 127.0.0.1:{port}: {ns.web_workers} workers x {ns.threads} threads")
        first_event = 0
        for size in ns.size_list:
            warm_up(port, size)
            flush_broker(ns.broker)
            log(f"{size} event(s) per delivery: {ns.duration:.0f} s of load")
            ingestion, used = ingestion_phase(ns, port, gunicorn.pid, size, first_event)
            first_event += used + size
            log(
                f"  {ingestion['requests_per_s']} requests/s, "
                f"{ingestion['events_stored_per_s']} events/s stored, "
                f"p95 {ingestion['latency_ms']['p95']} ms, lost {ingestion['lost']}"
            )
            run: dict[str, Any] = {"size": size, "ingestion": ingestion}
            if ns.process_seconds > 0:
                log(f"  one worker processes the queue for up to {ns.process_seconds:.0f} s")
                run["processing"] = processing_phase(ns, env, ingestion["first_delivery_id"])
                log(f"  {run['processing']['events_ingested_per_s']} events/s ingested")
            runs.append(run)
    finally:
        if gunicorn is not None:
            stop_group(gunicorn)
        connections.close_all()
        if not ns.keep_db:
            with contextlib.suppress(Exception):
                pg_admin(f'DROP DATABASE IF EXISTS "{ns.db_name}" WITH (FORCE)')
        with contextlib.suppress(Exception):
            flush_broker(ns.broker)

    document = {
        "created": datetime.now(tz=UTC).astimezone().isoformat(timespec="seconds"),
        "label": ns.label,
        "command": " ".join([Path(PYTHON).name, *sys.argv]),
        "config": {
            "web_workers": ns.web_workers,
            "threads": ns.threads,
            "connections": ns.connections,
            "duration_s": ns.duration,
            "process_seconds": ns.process_seconds,
            "broker": ns.broker,
        },
        "postgres": {
            "synchronous_commit": pg_setting("synchronous_commit"),
            "fsync": pg_setting("fsync"),
            "server_version": pg_setting("server_version"),
        },
        "machine": {
            "cores": os.cpu_count(),
            "cpu": next(
                (
                    line.split(":", 1)[1].strip()
                    for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")
                ),
                "",
            ),
            "python": platform.python_version(),
            "kernel": platform.release(),
            "busy_fraction_before_run": busy_before,
        },
        "total_s": round(time.monotonic() - started, 1),
        "runs": runs,
    }
    stamp = datetime.now(tz=UTC).astimezone().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"webhooks-{stamp}.json"
    out.write_text(json.dumps(document, indent=2, default=str))
    baseline = None
    if not ns.no_baseline:
        if BASELINE.exists():
            baseline = json.loads(BASELINE.read_text())
        else:
            shutil.copyfile(out, BASELINE)
            baseline = document
            log(f"no baseline yet: this run is now {BASELINE.relative_to(ROOT)}")
    print_report(document, baseline)
    print(f"\nresults: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
