"""Run a ``hygie`` command that reads JSON Lines on stdin and answers one JSON line per input
(``hygie check``, ``hygie triage``): its exit status and its parsed lines."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run_jsonl(command: str, stdin: str, *args: str) -> tuple[int, list[dict[str, Any]]]:
    done = subprocess.run(
        [sys.executable, "-m", "hygie", command, *args],
        input=stdin.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    return done.returncode, [json.loads(line) for line in done.stdout.decode().splitlines()]
