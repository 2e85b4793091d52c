#!/usr/bin/env bash
# Install the real Matrix peer (Synapse, PyPI matrix-synapse) into a virtualenv kept in a cache
# OUTSIDE the checkout, so CI can keep it between runs:
#
#   ${HYGIE_PEERS_CACHE:-$HOME/.cache/hygie/peers}/matrix/
#     venv/        python3 -m venv with matrix-synapse (SQLite: no other service needed)
#     installed    stamp: the pinned version, written last; a second run does nothing
#
# Only PyPI is used (through pip as configured on the machine), about 35 s without a pip cache.
# Prints the interpreter as `PYTHON=...` on its last line.
set -euo pipefail

SYNAPSE_VERSION="1.163.2"

cache="${HYGIE_PEERS_CACHE:-$HOME/.cache/hygie/peers}/matrix"
venv="$cache/venv"
stamp="$cache/installed"
want="matrix-synapse==$SYNAPSE_VERSION"

fail() { echo "matrix peer install: $*" >&2; exit 1; }

python=""
for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
  [ -n "$candidate" ] || continue
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || fail "Synapse needs Python 3.10 or newer"

mkdir -p "$cache" || fail "cannot create the cache directory $cache"
# One installer at a time (parallel test processes, two CI jobs sharing a cache).
exec 9>"$cache/.lock"
flock 9

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ] &&
   "$venv/bin/python" -c "import synapse" 2>/dev/null; then
  echo "==> matrix peer already installed ($want) in $cache"
  echo "PYTHON=$venv/bin/python"
  exit 0
fi
rm -f "$stamp"

echo "==> installing $want into $venv"
start=$SECONDS
rm -rf "$venv"
"$python" -m venv "$venv" || fail "$python -m venv failed (Debian: apt-get install python3-venv)"
quiet() { "$@" 2> >(grep -v "^WARNING: Location .* is ignored" >&2); }
quiet "$venv/bin/python" -m pip install --quiet "$want" || fail "pip install $want failed"
"$venv/bin/python" -c "import synapse.app.homeserver" || fail "synapse does not import"
echo "    done in $((SECONDS - start)) s ($(du -sh "$venv" | cut -f1))"

echo "$want" >"$stamp"
echo "==> matrix peer installed ($want) in $cache"
echo "PYTHON=$venv/bin/python"
