"""Helpers shared by the benchmarks in this folder (no Django): logging, percentiles, the
PostgreSQL admin connection, free loopback ports, machine CPU counters.

The benchmarks run as scripts (`python bench/x.py`), so this folder is on sys.path and they
import it as `benchlib`.
"""

from __future__ import annotations

import math
import socket
from datetime import UTC, datetime
from pathlib import Path

#: The machine's PostgreSQL (trust authentication), as in CI.
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def log(message: str) -> None:
    print(f"[{datetime.now(tz=UTC).astimezone():%H:%M:%S}] {message}", flush=True)


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def pg_admin(sql: str) -> None:
    """Run one statement on the `postgres` database (CREATE/DROP DATABASE…)."""
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **PG) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def pg_setting(name: str) -> str:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **PG) as conn:
        row = conn.execute(f"SHOW {name}").fetchone()  # type: ignore[arg-type]
        return str(row[0]) if row else "?"


def db_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **PG) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        return found is not None


def db_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)
