#!/usr/bin/env bash
# Every check and every test: lint, types, translations, then the whole suite twice:
#   1. SQLite + the embedded file broker, with a real worker process and the Chromium tests;
#   2. PostgreSQL + Redis, with a real worker process, and the RabbitMQ smoke test.
# Starts PostgreSQL, Redis and RabbitMQ if they are down. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
export PATH="$PWD/.venv/bin:$PATH"
unset DATABASE_URL HYGIE_BROKER_URL HYGIE_PROFILE HYGIE_VAR_DIR DJANGO_SETTINGS_MODULE || true

scripts/services.sh || {
  echo "PostgreSQL, Redis and RabbitMQ must run on 127.0.0.1 (see docs/development.md)" >&2
  exit 1
}

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's Chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Debian's Chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

echo "==> ruff"
ruff check .
ruff format --check .
echo "==> mypy (strict, django-stubs)"
mypy
echo "==> translations compiled"
python scripts/compile_messages.py --check

logs=var/test-logs
mkdir -p "$logs"
summary() { grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$1" | tail -1 | sed 's/=//g; s/^ *//; s/ *$//'; }
count() { grep -oE "[0-9]+ $2" <<<"$1" | grep -oE '^[0-9]+' || echo 0; }

echo
echo "==> real Bluesky peer (npm @atproto/dev-env on Node 22, cached under ~/.cache/hygie/peers)"
scripts/peers/bluesky/install.sh | tail -2
echo "==> Prism, the validating mock of the WhatsApp Cloud API (npm, cached under ~/.cache/hygie/peers)"
scripts/peers/whatsapp/install.sh | tail -2
echo "==> real Matrix homeserver (PyPI matrix-synapse, cached under ~/.cache/hygie/peers)"
scripts/peers/matrix/install.sh | tail -2
echo "==> real IMAP server (Debian dovecot-imapd; its system service is never started)"
scripts/peers/mail/install.sh | tail -2

echo
echo "==> run 1/2: SQLite, embedded broker (files under var/test/broker), real worker, Chromium,"
echo "    real Bluesky PDS and AppView, Synapse, Dovecot and an aiosmtpd sink"
set +e
python -m pytest -p no:cacheprovider -m "not rabbitmq" "$@" 2>&1 | tee "$logs/sqlite.log"
sqlite_status=${PIPESTATUS[0]}
echo
echo "==> run 2/2: PostgreSQL 127.0.0.1:5432, Redis broker 127.0.0.1:6379, real worker, RabbitMQ"
# A clean broker database: messages left by a killed worker of an earlier run must not linger.
python - <<'PY'
import redis
redis.Redis(host="127.0.0.1", port=6379, db=15).flushdb()
PY
DATABASE_URL="postgres://postgres@127.0.0.1:5432/test" \
HYGIE_BROKER_URL="redis://127.0.0.1:6379/15" \
  python -m pytest -p no:cacheprovider -m "not browser and not bluesky" "$@" 2>&1 \
  | tee "$logs/postgresql.log"
pg_status=${PIPESTATUS[0]}
set -e

s1="$(summary "$logs/sqlite.log")"; s2="$(summary "$logs/postgresql.log")"
echo
echo "SQLite run:     ${s1:-no summary (exit $sqlite_status)}"
echo "PostgreSQL run: ${s2:-no summary (exit $pg_status)}"
passed=$(( $(count "$s1" passed) + $(count "$s2" passed) ))
failed=$(( $(count "$s1" failed) + $(count "$s2" failed) + $(count "$s1" error) + $(count "$s2" error) ))
echo "total: $passed passed, $failed failed"
[ "$sqlite_status" = 0 ] && [ "$pg_status" = 0 ]
