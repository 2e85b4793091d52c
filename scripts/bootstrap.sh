#!/usr/bin/env bash
# Create .venv if missing and install Hygie into it (with the dev tools when asked: `dev`).
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"

python=""
for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
  [ -n "$candidate" ] || continue
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"; break
  fi
done
if [ -z "$python" ]; then
  echo "Hygie needs Python 3.11 or newer (Debian: apt-get install python3 python3-venv)." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi

spec="."
[ "$extra" = "dev" ] && spec=".[dev]"
stamp=".venv/.hygie-installed-${extra:-run}"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing Hygie ${extra:+with $extra tools }into .venv"
  # (Some machines' pip configuration warns about missing local mirrors: hide that noise only.)
  quiet() { "$@" 2> >(grep -v "^WARNING: Location .* is ignored" >&2); }
  quiet .venv/bin/python -m pip install --quiet --upgrade pip
  quiet .venv/bin/python -m pip install --quiet -e "$spec"
  echo "$want" > "$stamp"
fi
