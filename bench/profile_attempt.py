# ruff: noqa: S603
"""Where the time of one publish attempt goes, without contention (evidence for bench/README.md).

    .venv/bin/python bench/profile_attempt.py [--posts 300]

Same set-up as publish_bench.py (fresh PostgreSQL database, loopback fake Mastodon at 50 ms),
then, in this one process and one thread: ``dispatch_due`` (timed), and ``run_attempt`` for every
attempt under cProfile. Prints the wall and CPU time per attempt and the share of a few engine
functions. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import publish_bench as pb

FUNCTIONS = [
    ("run_attempt (total)", "engine.py", "run_attempt"),
    ("  _claim", "engine.py", "_claim"),
    ("  _blocked_until", "engine.py", "_blocked_until"),
    ("  build_provider", "engine.py", "build_provider"),
    ("    httpx.Client() in ProviderHttp", "http.py", "__init__"),
    ("    ssl context (certifi CA bundle)", "_config.py", "create_ssl_context"),
    ("  outbound", "engine.py", "outbound"),
    ("  HTTP request (50 ms latency)", "http.py", "request"),
    ("  _succeed (one transaction)", "engine.py", "_succeed"),
    ("    record_event (audit chain)", "log.py", "record_event"),
    ("    settle_post", "engine.py", "settle_post"),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--db-name", default="hygie_bench_profile")
    ns = parser.parse_args()
    bench_ns = argparse.Namespace(
        db_name=ns.db_name, lease=300, dispatch_interval=10.0, posts=ns.posts, channels=ns.posts
    )
    env = pb.configure_environment(bench_ns)
    import django

    django.setup()
    from django.db import connections

    from hygie.publishing import engine

    net = pb.FakeNet(0.05, max_seconds=600)
    try:
        pb.drop_db(ns.db_name)
        pb.pg_admin(f'CREATE DATABASE "{ns.db_name}"')
        import subprocess

        subprocess.run(
            [pb.PYTHON, "-m", "hygie", "manage", "migrate", "--noinput", "-v", "0"],
            env=env,
            check=True,
            timeout=600,
            cwd=pb.ROOT,
        )
        run = pb.Run.__new__(pb.Run)
        run.ns, run.net = bench_ns, net
        run.seed(datetime.now(tz=UTC))
        started = time.perf_counter()
        ids = engine.dispatch_due()
        dispatch_s = time.perf_counter() - started
        print(
            f"dispatch_due: {len(ids)} attempts in {dispatch_s:.2f}s "
            f"({1000 * dispatch_s / len(ids):.1f} ms each, one transaction per target, "
            "no message sent before the end)"
        )
        profile = cProfile.Profile()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        profile.enable()
        outcomes = [engine.run_attempt(pk).status for pk in ids]
        profile.disable()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        n = len(ids)
        print(
            f"run_attempt x{n} (one thread): {1000 * wall / n:.1f} ms wall, "
            f"{1000 * cpu / n:.1f} ms CPU per attempt; outcomes {set(outcomes)}"
        )
        stats = pstats.Stats(profile)
        table = stats.stats  # type: ignore[attr-defined]
        print(f"\n{'function':<40}{'ms/attempt':>12}{'share':>8}   (cumulative wall time)")
        total = None
        for label, file_end, name in FUNCTIONS:
            cum = sum(
                v[3] for (f, _line, fn), v in table.items() if fn == name and f.endswith(file_end)
            )
            if total is None:
                total = cum or 1.0
            print(f"{label:<40}{1000 * cum / n:>12.2f}{100 * cum / total:>7.0f}%")
        print(
            f"\nfake network: {net.stats(with_keys=False)['connections_opened']} "
            f"connections for {n} requests"
        )
    finally:
        net.stop()
        connections.close_all()
        with contextlib.suppress(Exception):
            pb.drop_db(ns.db_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
