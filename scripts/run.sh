#!/usr/bin/env bash
# The quick start: install, migrate, load the demo, serve on http://127.0.0.1:8000 with the
# background worker, on SQLite under var/ and no other server. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
hygie manage migrate --no-input -v 0
hygie manage load_demo
exec hygie run "$@"
