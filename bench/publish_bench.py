# The benchmark starts its own commands (python, celery, hygie) with fixed argument lists.
# ruff: noqa: S603
"""Publishing benchmark: many posts due at the same instant, real workers, Redis, a slow network.

One command (from the repository root)::

    .venv/bin/python bench/publish_bench.py --posts 10000 --channels 1000 --workers 1,4 --kill-one

For each worker count it: creates a fresh PostgreSQL database (from a migrated template), one
organisation, ``--channels`` Mastodon channels pointing at the loopback fake network
(bench/fake_network.py, 50 ms per request) and ``--posts`` posts, one channel each, all scheduled
at the same instant T; starts the Celery workers on Redis; at T runs the dispatcher (the body of
``dispatch_due_posts``, as beat would) and the recovery (``recover_stuck_attempts``) periodically;
optionally SIGKILLs one worker's process group a few seconds in and starts a replacement; waits
until every target is settled (bounded); then measures lateness (PostTarget.published_at - T and
the fake network's first arrival - T), throughput, duplicates and losses.

It prints a table, writes bench/results/publish-<timestamp>.json and compares each figure with
bench/results/baseline-publish.json (created from the first run when missing).

Every process it starts runs in its own session and is stopped by process-group id at the end;
the bench databases are dropped at the end (unless --keep-db). Loopback only, bounded waits.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchlib import db_url, log, machine_cpu, pct, pg_admin

BENCH_DIR = Path(__file__).resolve().parent

ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
WORK_DIR = BENCH_DIR / ".var"  # secrets, logs: never committed (bench/.gitignore)
BASELINE = RESULTS_DIR / "baseline-publish.json"
REDIS_URL = "redis://127.0.0.1:6379/14"
PYTHON = sys.executable


# --- helpers that need no Django -----------------------------------------------------------


def summary(values: list[float]) -> dict[str, float | None]:
    return {
        "n": len(values),
        "min": min(values) if values else None,
        "p50": pct(values, 50),
        "p90": pct(values, 90),
        "p99": pct(values, 99),
        "max": max(values) if values else None,
    }


def drop_db(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=10)
    client.flushdb()
    client.close()


def broker_counts() -> dict[str, int]:
    """Tasks executed (one result key each), messages left in the queue and unacknowledged."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=30)
    executed = 0
    for n, _key in enumerate(client.scan_iter("celery-task-meta-*", count=5000)):
        executed += 1
        if n > 2_000_000:  # bounded
            break
    counts = {
        "tasks_executed": executed,
        "queue_left": int(client.llen("hygie")),
        "unacked_left": int(client.hlen("unacked")),
    }
    client.close()
    return counts


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        after = stat.rsplit(")", 1)[1].split()
        if int(after[2]) == pgid:  # field 5: pgrp
            pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            after = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(after[11]) + int(after[12])  # utime, stime
    return total / ticks


def kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def stop_process(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    if process.poll() is None:
        kill_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    # Children (prefork) may outlive their parent: kill whatever is left of the group.
    kill_group(process, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


class FakeNet:
    """bench/fake_network.py in its own process (its CPU is not the benchmark process's)."""

    def __init__(self, latency: float, max_seconds: float) -> None:
        self.out = (WORK_DIR / "fake_network.log").open("w+b")
        self.process = subprocess.Popen(
            [
                PYTHON,
                str(BENCH_DIR / "fake_network.py"),
                "--port",
                "0",
                "--latency",
                str(latency),
                "--max-seconds",
                str(int(max_seconds)),
            ],
            stdout=subprocess.PIPE,
            stderr=self.out,
            start_new_session=True,
        )
        if self.process.stdout is None:
            raise RuntimeError("no pipe to the fake network")
        deadline = time.monotonic() + 20
        line = b""
        while time.monotonic() < deadline and not line.startswith(b"PORT"):
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                raise RuntimeError(
                    "the fake network did not start: see bench/.var/fake_network.log"
                )
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def call(self, method: str, path: str) -> Any:
        # Always http://127.0.0.1:<port> (the fake network), never a user-given URL.
        data = b"" if method == "POST" else None
        request = urllib.request.Request(self.url + path, method=method, data=data)  # noqa: S310
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return json.loads(answer.read())

    def stats(self, with_keys: bool = True) -> dict[str, Any]:
        return self.call("GET", "/stats" if with_keys else "/stats?keys=0")

    def reset(self) -> None:
        self.call("POST", "/reset")

    def stop(self) -> None:
        stop_process(self.process, grace=5)


# --- the benchmark -------------------------------------------------------------------------


def single_run_lock() -> Any:
    """One run at a time on this checkout: runs share the bench database and Redis db 14."""
    import fcntl

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    handle = (WORK_DIR / "publish_bench.lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Publishing benchmark (see bench/README.md).")
    p.add_argument("--posts", type=int, default=10_000)
    p.add_argument("--channels", type=int, default=1_000)
    p.add_argument("--workers", default="1,4", help="worker process counts to run, e.g. 1,4")
    p.add_argument(
        "--concurrency",
        type=int,
        default=64,
        help="TOTAL concurrency (threads or processes), split evenly between the workers",
    )
    p.add_argument("--pool", default="threads", choices=["threads", "prefork"])
    p.add_argument("--kill-one", action="store_true", help="SIGKILL one worker during the run")
    p.add_argument(
        "--kill-after",
        type=float,
        default=3.0,
        help="earliest kill, seconds after the first publish",
    )
    p.add_argument("--latency", type=float, default=0.05, help="fake network latency, seconds")
    p.add_argument("--lead", type=float, default=20.0, help="T = seeding start + lead seconds")
    p.add_argument("--lease", type=int, default=5, help="HYGIE_PUBLISH_LEASE_SECONDS for the run")
    p.add_argument(
        "--dispatch-interval",
        type=float,
        default=10.0,
        help="seconds between dispatch_due_posts calls (HYGIE_DISPATCH_INTERVAL's default: 10)",
    )
    p.add_argument(
        "--recover-interval",
        type=float,
        default=5.0,
        help="seconds between recover_stuck_attempts calls (beat: 60; here the lease)",
    )
    p.add_argument(
        "--stall", type=float, default=120.0, help="give up after no progress for this long"
    )
    p.add_argument(
        "--max-wait", type=float, default=900.0, help="give up this long after T at most"
    )
    p.add_argument("--db-name", default="hygie_bench")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument(
        "--no-baseline", action="store_true", help="neither read nor create the baseline"
    )
    p.add_argument("--label", default="", help="free text stored with the results")
    p.add_argument(
        "--report", metavar="FILE", help="print a results file against the baseline; run nothing"
    )
    ns = p.parse_args()
    ns.worker_counts = [int(x) for x in ns.workers.split(",") if x.strip()]
    if ns.posts < 1 or ns.channels < 1 or not ns.worker_counts or min(ns.worker_counts) < 1:
        p.error("posts, channels and workers must be positive")
    if ns.concurrency < max(ns.worker_counts):
        p.error("--concurrency is the total: at least one per worker")
    return ns


def configure_environment(ns: argparse.Namespace) -> dict[str, str]:
    """The environment of this process (before Django starts) and of every worker."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hygie.settings",
        DATABASE_URL=db_url(ns.db_name),
        HYGIE_BROKER_URL=REDIS_URL,
        HYGIE_TASKS_EAGER="false",
        HYGIE_TESTING="false",
        HYGIE_PUBLISH_LEASE_SECONDS=str(ns.lease),
        HYGIE_DISPATCH_INTERVAL=str(int(ns.dispatch_interval)),
        HYGIE_VAR_DIR=str(WORK_DIR),
        HYGIE_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    os.environ.clear()
    os.environ.update(env)
    return env


def hygie_worker_has_pool() -> bool:
    out = subprocess.run(
        [PYTHON, "-m", "hygie", "worker", "--help"], capture_output=True, text=True, timeout=60
    )
    return "--pool" in out.stdout


def migrate_template(template: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    drop_db(template)
    pg_admin(f'CREATE DATABASE "{template}"')
    subprocess.run(
        [PYTHON, "-m", "hygie", "manage", "migrate", "--noinput", "-v", "0"],
        env={**env, "DATABASE_URL": db_url(template)},
        check=True,
        timeout=600,
        cwd=ROOT,
    )
    return time.monotonic() - started


class Run:
    """One worker count: fresh database, seed, workers, dispatch, kill, measure."""

    def __init__(
        self, ns: argparse.Namespace, env: dict[str, str], net: FakeNet, workers: int
    ) -> None:
        self.ns = ns
        self.env = env
        self.net = net
        self.workers = workers
        self.per_worker = max(1, ns.concurrency // workers)
        self.total_concurrency = self.per_worker * workers
        self.run_id = uuid.uuid4().hex[:6]
        self.log_dir = (
            WORK_DIR
            / "logs"
            / f"{datetime.now(tz=UTC).astimezone():%Y%m%d-%H%M%S}-w{workers}-{self.run_id}"
        )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.hostnames: list[str] = []
        self.stop_event = threading.Event()
        self.dispatch_calls: list[tuple[float, float, int]] = []
        self.recover_calls: list[tuple[float, float, int]] = []
        self.thread_errors: list[str] = []
        self.pg_waits: Counter[str] = Counter()
        self.lock_waiters: Counter[str] = Counter()
        self.samples = 0
        self.kill: dict[str, Any] | None = None
        self.dead_cpu = 0.0
        self.use_hygie_worker = False

    # --- setup -----------------------------------------------------------------------------

    def seed(self, due: datetime) -> dict[str, float]:
        from hygie.accounts.models import Organization, User
        from hygie.channels.models import Channel
        from hygie.publishing.models import Post, PostStatus, PostTarget

        started = time.monotonic()
        org = Organization.objects.create(name="Bench pharmacy", slug="bench", kind="pharmacy")
        user = User.objects.create_user("bench@bench.test", None, full_name="Bench")
        # Benchmark data is set up with bulk_create for speed: no per-row actions, no audit events
        # for the setup itself (the publishing path measured afterwards is the real one).
        channels = Channel.objects.bulk_create(
            [
                Channel(
                    organization=org,
                    network="mastodon",
                    name=f"bench-{i}",
                    handle=f"bench{i}@fake.mastodon.test",
                    credentials=json.dumps({"access_token": f"tok-{i}"}),
                    base_url=self.net.url,
                    connected_by=user,
                )
                for i in range(self.ns.channels)
            ],
            batch_size=1000,
        )
        posts = Post.objects.bulk_create(
            [
                Post(
                    organization=org,
                    author=user,
                    text=f"Conseil santé n°{i} : pensez à vous hydrater. #bench",
                    status=PostStatus.SCHEDULED,
                    scheduled_at=due,
                )
                for i in range(self.ns.posts)
            ],
            batch_size=2000,
        )
        PostTarget.objects.bulk_create(
            [
                PostTarget(post=post, channel=channels[i % len(channels)])
                for i, post in enumerate(posts)
            ],
            batch_size=2000,
        )
        return {"seed_s": time.monotonic() - started}

    def start_worker(self, index: int) -> subprocess.Popen[bytes]:
        hostname = f"bench{index}-{self.run_id}@localhost"
        if self.use_hygie_worker:
            cmd = [PYTHON, "-m", "hygie", "worker", f"--pool={self.ns.pool}"]
        else:
            # `hygie worker` has no --pool option yet (see bench/README.md): same arguments, direct.
            cmd = [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "hygie.celery:app",
                "worker",
                f"--pool={self.ns.pool}",
                "--queues=hygie",
            ]
        cmd += [f"--concurrency={self.per_worker}", f"--hostname={hostname}", "--loglevel=WARNING"]
        out = (self.log_dir / f"worker{index}.log").open("wb")
        process = subprocess.Popen(
            cmd,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )
        self.procs.append(process)
        self.hostnames.append(hostname)
        return process

    def wait_ready(self, hostnames: list[str], deadline: float) -> None:
        from hygie.core.models import WorkerHeartbeat

        while time.monotonic() < deadline:
            seen = set(
                WorkerHeartbeat.objects.filter(hostname__in=hostnames).values_list(
                    "hostname", flat=True
                )
            )
            if seen == set(hostnames):
                return
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"a worker exited with {p.returncode}: see {self.log_dir}")
            time.sleep(0.3)
        raise RuntimeError(f"workers not ready in time: see {self.log_dir}")

    # --- background loops (as beat would call them) ----------------------------------------

    def _loop(
        self, name: str, interval: float, t0: float, calls: list[tuple[float, float, int]]
    ) -> None:
        from django.db import connection

        from hygie.publishing import tasks

        func = tasks.dispatch_due_posts if name == "dispatch" else tasks.recover_stuck_attempts
        next_tick = t0
        try:
            while not self.stop_event.is_set():
                wait = next_tick - time.time()
                if wait > 0 and self.stop_event.wait(wait):
                    break
                started = time.time()
                try:
                    count = func()  # the task's body, in this process; its .delay() go to Redis
                except Exception as exc:  # reported, the loop goes on
                    self.thread_errors.append(f"{name}: {exc!r}")
                    count = -1
                calls.append((started - t0, time.time() - started, count))
                next_tick = max(next_tick + interval, time.time())
        finally:
            connection.close()

    # --- the run ---------------------------------------------------------------------------

    def execute(self) -> dict[str, Any]:
        from django.db import connection
        from django.db.models import Count

        from hygie.audit.models import AuditEvent
        from hygie.publishing.models import AttemptStatus, PostTarget, PublishAttempt, TargetStatus

        ns = self.ns
        limit = ns.posts * ns.latency / self.total_concurrency
        log(
            f"run: {self.workers} worker(s) x {self.per_worker} {ns.pool} "
            f"= {self.total_concurrency}, {ns.posts} posts on {ns.channels} channels, "
            f"limit {limit:.2f}s, logs in {self.log_dir.relative_to(ROOT)}"
        )
        # Fresh database from the migrated template, fresh broker, fresh fake network.
        connection.close()
        drop_db(ns.db_name)
        pg_admin(f'CREATE DATABASE "{ns.db_name}" TEMPLATE "{ns.db_name}_tpl"')
        flush_redis()
        self.net.reset()

        t_wall = time.time() + ns.lead
        due = datetime.fromtimestamp(t_wall, tz=UTC)
        timings = self.seed(due)
        log(
            f"seeded in {timings['seed_s']:.1f}s; starting workers; "
            f"T in {t_wall - time.time():.1f}s"
        )
        started = time.monotonic()
        for i in range(self.workers):
            self.start_worker(i)
        self.wait_ready(list(self.hostnames), time.monotonic() + 90)
        timings["workers_ready_s"] = time.monotonic() - started
        if time.time() > t_wall:
            log("warning: the workers were ready only after T; lateness includes their start")
        else:
            log(f"workers ready in {timings['workers_ready_s']:.1f}s; waiting for T")
            time.sleep(max(0.0, t_wall - time.time()))

        threads = [
            threading.Thread(
                target=self._loop,
                args=("dispatch", ns.dispatch_interval, t_wall, self.dispatch_calls),
                daemon=True,
            ),
            threading.Thread(
                target=self._loop,
                args=("recover", ns.recover_interval, t_wall, self.recover_calls),
                daemon=True,
            ),
        ]
        cpu0 = machine_cpu()
        for t in threads:
            t.start()

        total = ns.posts
        settled_statuses = [TargetStatus.PUBLISHED, TargetStatus.FAILED, TargetStatus.UNCONFIRMED]
        last_progress, last_count = time.time(), -1
        first_publish_seen: float | None = None
        pending_at_bound: int | None = None
        bound = t_wall + limit * 3 + 60
        end_reason = "all settled"
        victim = self.procs[0]
        with connection.cursor() as cur:
            while True:
                now = time.time()
                settled = PostTarget.objects.filter(status__in=settled_statuses).count()
                published = PostTarget.objects.filter(status=TargetStatus.PUBLISHED).count()
                if published and first_publish_seen is None:
                    first_publish_seen = now
                if settled != last_count:
                    last_count, last_progress = settled, now
                if pending_at_bound is None and now >= bound:
                    pending_at_bound = total - published
                cur.execute(
                    "select coalesce(wait_event_type,'CPU'), coalesce(wait_event,''), count(*) "
                    "from pg_stat_activity where datname = %s and state = 'active' "
                    "and pid <> pg_backend_pid() group by 1, 2",
                    [ns.db_name],
                )
                self.samples += 1
                for kind, event, n in cur.fetchall():
                    self.pg_waits[f"{kind}:{event}"] += n
                # Which statements wait on locks (evidence for contention on one row).
                cur.execute(
                    "select left(regexp_replace(query, '\\s+', ' ', 'g'), 90), count(*) "
                    "from pg_stat_activity where datname = %s and wait_event_type = 'Lock' "
                    "group by 1",
                    [ns.db_name],
                )
                for query, n in cur.fetchall():
                    self.lock_waiters[query] += n
                # Kill one worker a few seconds into the publishing, while it is sending.
                if (
                    ns.kill_one
                    and self.kill is None
                    and first_publish_seen is not None
                    and now >= first_publish_seen + ns.kill_after
                ):
                    pids = group_pids(victim.pid)
                    sending = PublishAttempt.objects.filter(
                        status=AttemptStatus.SENDING,
                        claimed_by__regex=r":(" + "|".join(str(p) for p in pids) + r")$",
                    ).count()
                    if sending or now >= first_publish_seen + ns.kill_after + 30:
                        self.dead_cpu += cpu_seconds(pids)
                        kill_group(victim)
                        victim.wait(timeout=30)
                        self.kill = {
                            "at_s": now - t_wall,
                            "victim": self.hostnames[0],
                            "victim_sending": sending,
                            "published_before_kill": published,
                        }
                        log(
                            f"SIGKILL {self.hostnames[0]} at T+{now - t_wall:.1f}s "
                            f"({sending} attempts in flight, {published} published); "
                            "starting a replacement"
                        )
                        self.start_worker(len(self.procs))
                if settled >= total:
                    break
                if now - last_progress > ns.stall:
                    end_reason = f"no progress for {ns.stall:.0f}s"
                    break
                if now - t_wall > ns.max_wait:
                    end_reason = f"max wait {ns.max_wait:.0f}s"
                    break
                time.sleep(0.5)
        end_wall = time.time()
        cpu1 = machine_cpu()
        worker_cpu = self.dead_cpu + sum(
            cpu_seconds(group_pids(p.pid)) for p in self.procs if p.poll() is None
        )
        net_cpu = cpu_seconds([self.net.process.pid])
        log(f"run ended ({end_reason}) at T+{end_wall - t_wall:.1f}s; stopping")
        self.stop_event.set()
        for t in threads:
            t.join(timeout=120)
        for p in self.procs:
            stop_process(p)
        broker = broker_counts()
        if pending_at_bound is None:
            pending_at_bound = (
                total
                - PostTarget.objects.filter(
                    status=TargetStatus.PUBLISHED,
                    published_at__lte=datetime.fromtimestamp(bound, tz=UTC),
                ).count()
            )

        # --- measures ----------------------------------------------------------------------
        net = self.net.stats(with_keys=True)
        per_key = net.pop("per_key")
        targets = list(PostTarget.objects.values_list("pk", "status", "published_at"))
        attempts = list(
            PublishAttempt.objects.values_list(
                "pk", "target_id", "status", "tries", "created_at", "claimed_at", "finished_at"
            )
        )
        published_at = {
            pk: at for pk, status, at in targets if status == TargetStatus.PUBLISHED and at
        }
        lateness = [(at.timestamp() - t_wall) for at in published_at.values()]
        first_arrival: dict[int, float] = {}
        resent = 0
        for pk, target_id, *_rest in attempts:
            entry = per_key.get(f"hygie-attempt-{pk}")
            if entry is None:
                continue
            resent += entry[1] > 1
            if target_id not in first_arrival or entry[0] < first_arrival[target_id]:
                first_arrival[target_id] = entry[0]
        lateness_net = [at - t_wall for at in first_arrival.values()]
        published_attempts = Counter(
            t for _pk, t, status, *_ in attempts if status == AttemptStatus.PUBLISHED
        )
        attempts_per_target = Counter(t for _pk, t, *_ in attempts)
        audit_multi = (
            AuditEvent.objects.filter(verb="post_target.published")
            .values("target_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        dup_db_attempts = sum(1 for n in published_attempts.values() if n > 1)
        dup_net = net["content_duplicates"] + net["keys_created_twice"]
        losses = total - len(published_at)
        stamps = sorted(at.timestamp() for at in published_at.values())
        span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
        dispatch_lag = [c.timestamp() - t_wall for _pk, _t, _s, _n, c, _cl, _f in attempts]
        service = [(f - cl).total_seconds() for *_x, cl, f in attempts if f and cl and f >= cl]
        queue_wait = [
            (cl - c).total_seconds() for *_x, c, cl, _f in attempts if cl and c and cl >= c
        ]
        busy = (cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1])
        messages = sum(max(0, n) for _t, _d, n in self.dispatch_calls)
        recovered = sum(max(0, n) for _t, _d, n in self.recover_calls)
        p99 = pct(lateness, 99)
        result = {
            "config": {
                "posts": ns.posts,
                "channels": ns.channels,
                "workers": self.workers,
                "pool": ns.pool,
                "per_worker_concurrency": self.per_worker,
                "total_concurrency": self.total_concurrency,
                "latency_s": ns.latency,
                "kill_one": ns.kill_one,
                "lease_s": ns.lease,
                "dispatch_interval_s": ns.dispatch_interval,
                "recover_interval_s": ns.recover_interval,
                "worker_command": "hygie worker"
                if self.use_hygie_worker
                else "celery -A hygie.celery:app worker",
            },
            "limit_s": limit,
            "lateness_s": summary(lateness),
            "lateness_net_s": summary(lateness_net),
            "p99_minus_limit_s": (p99 - limit) if p99 is not None else None,
            "throughput_pps": (len(stamps) - 1) / span if span > 0 else None,
            "throughput_end_to_end_pps": len(stamps) / (stamps[-1] - t_wall) if stamps else None,
            "duplicates": dup_net + dup_db_attempts + audit_multi,
            "duplicates_detail": {
                "network_same_text_same_account": net["content_duplicates"],
                "network_key_created_twice": net["keys_created_twice"],
                "targets_with_two_published_attempts": dup_db_attempts,
                "targets_with_two_published_audit_events": audit_multi,
            },
            "losses": losses,
            "not_published_by_limit_x3_plus_60s": pending_at_bound,
            "target_statuses": dict(Counter(s for _pk, s, _a in targets)),
            "attempts": {
                "count": len(attempts),
                "statuses": dict(Counter(s for _pk, _t, s, *_ in attempts)),
                "targets_with_several_attempts": sum(
                    1 for n in attempts_per_target.values() if n > 1
                ),
                "tries_total": sum(a[3] for a in attempts),
                "keys_sent_more_than_once": resent,
            },
            "phases_s": {
                "dispatch_lag_attempt_created_minus_T": summary(dispatch_lag),
                "queue_wait_claimed_minus_created": summary(queue_wait),
                "service_finished_minus_claimed": summary(service),
            },
            "dispatch": {
                "calls": [[round(a, 2), round(b, 2), n] for a, b, n in self.dispatch_calls],
                "messages_enqueued": messages,
                "attempts_created": len(attempts),
                "messages_per_attempt": messages / len(attempts) if attempts else None,
            },
            "broker": broker,
            "recover": {
                "calls": len(self.recover_calls),
                "attempts_requeued": recovered,
                "nonzero_calls": [
                    [round(a, 2), round(b, 2), n] for a, b, n in self.recover_calls if n
                ],
            },
            "kill": self.kill,
            "cpu": {
                "machine_busy_fraction": busy,
                "cores": os.cpu_count(),
                "workers_cpu_s": worker_cpu,
                "fake_network_cpu_s": net_cpu,
                "bench_process_cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime
                + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
                "workers_cpu_ms_per_post": 1000 * worker_cpu / max(1, len(published_at)),
            },
            "pg_active_backends_by_wait": {
                k: round(v / max(1, self.samples), 2) for k, v in self.pg_waits.most_common(12)
            },
            "pg_lock_waiters_by_statement": {
                k: round(v / max(1, self.samples), 2) for k, v in self.lock_waiters.most_common(6)
            },
            "fake_network": net,
            "timings": {**timings, "run_s": end_wall - t_wall, "end_reason": end_reason},
            "thread_errors": self.thread_errors[:20],
        }
        connection.close()
        return result


# --- reporting -----------------------------------------------------------------------------


def get(r: dict[str, Any] | None, *path: str) -> Any:
    """r[path[0]][path[1]]..., or None when a field is missing (an older baseline)."""
    value: Any = r
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def cpu_floor(r: dict[str, Any] | None) -> float | None:
    """Seconds the workers' CPU alone needs: posts x worker CPU per post / cores."""
    per_post = get(r, "cpu", "workers_cpu_ms_per_post")
    cores = get(r, "cpu", "cores")
    posts = get(r, "config", "posts")
    if per_post is None or not cores or posts is None:
        return None
    return float(posts * per_post / 1000 / cores)


def concurrency(r: dict[str, Any]) -> str:
    c = r["config"]
    return f"{c['workers']}x{c['per_worker_concurrency']}={c['total_concurrency']}"


TABLE = [
    # (label, getter, format)
    ("workers", lambda r: str(r["config"]["workers"]), "{}"),
    ("concurrency", concurrency, "{}"),
    ("limit s", lambda r: get(r, "limit_s"), "{:.2f}"),
    ("p50 s", lambda r: get(r, "lateness_s", "p50"), "{:.2f}"),
    ("p99 s", lambda r: get(r, "lateness_s", "p99"), "{:.2f}"),
    ("p99-limit s", lambda r: get(r, "p99_minus_limit_s"), "{:.2f}"),
    ("net p50 s", lambda r: get(r, "lateness_net_s", "p50"), "{:.2f}"),
    ("net p99 s", lambda r: get(r, "lateness_net_s", "p99"), "{:.2f}"),
    ("posts/s", lambda r: get(r, "throughput_pps"), "{:.1f}"),
    ("dups", lambda r: get(r, "duplicates"), "{}"),
    ("losses", lambda r: get(r, "losses"), "{}"),
    ("killed", lambda r: "yes" if r.get("kill") else "no", "{}"),
    ("cpu floor s", cpu_floor, "{:.0f}"),
]
COMPARE = [
    ("limit s", lambda r: get(r, "limit_s")),
    ("p50 lateness s", lambda r: get(r, "lateness_s", "p50")),
    ("p99 lateness s", lambda r: get(r, "lateness_s", "p99")),
    ("p99 - limit s", lambda r: get(r, "p99_minus_limit_s")),
    ("net p50 s", lambda r: get(r, "lateness_net_s", "p50")),
    ("net p99 s", lambda r: get(r, "lateness_net_s", "p99")),
    ("throughput posts/s", lambda r: get(r, "throughput_pps")),
    ("duplicates", lambda r: get(r, "duplicates")),
    ("losses", lambda r: get(r, "losses")),
    ("worker CPU ms/post", lambda r: get(r, "cpu", "workers_cpu_ms_per_post")),
    ("cpu floor s", cpu_floor),
    ("messages/attempt", lambda r: get(r, "dispatch", "messages_per_attempt")),
    ("first dispatch s", lambda r: (get(r, "dispatch", "calls") or [[None, None]])[0][1]),
]


def fmt(value: Any, pattern: str = "{:.2f}") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return pattern.format(value)
    return str(value)


def print_table(results: list[dict[str, Any]]) -> None:
    rows = [[label for label, _g, _f in TABLE]]
    for r in results:
        rows.append(
            [
                fmt(getter(r), f) if not isinstance(getter(r), str) else getter(r)
                for _l, getter, f in TABLE
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def config_key(r: dict[str, Any]) -> tuple[Any, ...]:
    c = r["config"]
    return (
        c["posts"],
        c["channels"],
        c["workers"],
        c["total_concurrency"],
        c["pool"],
        c["kill_one"],
        c["latency_s"],
    )


def print_comparison(results: list[dict[str, Any]], baseline: dict[str, Any] | None) -> None:
    base_runs = {config_key(r): r for r in (baseline or {}).get("runs", [])}
    for r in results:
        c = r["config"]
        b = base_runs.get(config_key(r))
        title = (
            f"{c['workers']} worker(s), {c['workers']}x{c['per_worker_concurrency']} {c['pool']}, "
            f"{c['posts']} posts/{c['channels']} channels"
            f"{', one worker killed' if c['kill_one'] else ''}"
        )
        against = baseline["created"] if b and baseline else "(no matching baseline run)"
        print(f"\n{title}  -  vs baseline {against}")
        print(f"  {'metric':<22}{'this run':>12}{'baseline':>12}{'ratio':>9}")
        for label, getter in COMPARE:
            now = getter(r)
            then = getter(b) if b else None
            ratio = (
                f"{now / then:.2f}"
                if isinstance(now, int | float) and isinstance(then, int | float) and then
                else "-"
            )
            print(f"  {label:<22}{fmt(now):>12}{fmt(then):>12}{ratio:>9}")


def main() -> int:
    ns = parse_args()
    if ns.report:
        document = json.loads(Path(ns.report).read_text())
        baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else None
        print_report(document, baseline)
        return 0
    lock = single_run_lock()
    if lock is None:
        print(
            "another publish_bench run holds bench/.var/publish_bench.lock: runs share the "
            f"{ns.db_name} database and Redis db 14, so wait for it to finish",
            file=sys.stderr,
        )
        return 2
    env = configure_environment(ns)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import logging

    from django.db import connections

    # "publish attempt N was left sending by a dead worker": counted in the results instead.
    logging.getLogger("hygie.publishing.engine").setLevel(logging.ERROR)

    net: FakeNet | None = None
    runs: list[Run] = []
    results: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        net = FakeNet(ns.latency, max_seconds=ns.max_wait * len(ns.worker_counts) + 3600)
        log(f"fake network on {net.url} ({ns.latency * 1000:.0f} ms per request)")
        use_hygie_worker = hygie_worker_has_pool()
        if not use_hygie_worker:
            log(
                "`hygie worker` has no --pool option: "
                "running `celery -A hygie.celery:app worker` (see README)"
            )
        seconds = migrate_template(f"{ns.db_name}_tpl", env)
        log(f"migrated the template database in {seconds:.1f}s")
        for workers in ns.worker_counts:
            run = Run(ns, env, net, workers)
            run.use_hygie_worker = use_hygie_worker
            runs.append(run)
            try:
                results.append(run.execute())
            finally:
                for p in run.procs:
                    stop_process(p)
    finally:
        for run in runs:
            for p in run.procs:
                stop_process(p)
        if net is not None:
            net.stop()
        connections.close_all()
        if not ns.keep_db:
            for name in (ns.db_name, f"{ns.db_name}_tpl"):
                with contextlib.suppress(Exception):
                    drop_db(name)
        with contextlib.suppress(Exception):
            flush_redis()
    if not results:
        return 1

    stamp = datetime.now(tz=UTC).astimezone().strftime("%Y%m%d-%H%M%S")
    document = {
        "created": datetime.now(tz=UTC).astimezone().isoformat(timespec="seconds"),
        "label": ns.label,
        "command": " ".join([Path(PYTHON).name, *sys.argv]),
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
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
            "python": platform.python_version(),
            "kernel": platform.release(),
        },
        "total_s": time.monotonic() - started,
        "runs": results,
    }
    out = RESULTS_DIR / f"publish-{stamp}.json"
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
    print(f"\nresults: {out.relative_to(ROOT)} (total {time.monotonic() - started:.0f}s)")
    return 0


def print_report(document: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    results = document["runs"]
    c = results[0]["config"]
    print()
    print(
        f"Publishing benchmark: {c['posts']} posts due at T on {c['channels']} channels, "
        f"fake network {c['latency_s'] * 1000:.0f} ms, Redis, {c['pool']} pool "
        f"({document['machine']['cores']} cores)"
    )
    print(
        "lateness = PostTarget.published_at - T (net: the fake network's first arrival - T)\n"
        "limit = posts x latency / total concurrency; "
        "cpu floor = posts x worker CPU per post / cores\n"
    )
    print_table(results)
    print("\nratio = this run / baseline (lateness: lower is better; throughput: higher)")
    print_comparison(results, baseline)
    for r in results:
        goals = {
            "p99 within 2 s of the limit": r["p99_minus_limit_s"] is not None
            and r["p99_minus_limit_s"] <= 2.0,
            "0 duplicates": r["duplicates"] == 0,
            "0 losses": r["losses"] == 0,
        }
        verdict = ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in goals.items())
        print(f"\n{r['config']['workers']} worker(s): {verdict}")


if __name__ == "__main__":
    sys.exit(main())
