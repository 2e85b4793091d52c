#!/usr/bin/env bash
# Start PostgreSQL, Redis and RabbitMQ on this machine if they are down (Debian packages),
# and wait until each answers on its port.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # name port seconds
  local i
  for ((i = 0; i < $3; i++)); do
    port_open "$2" && { echo "    $1 is up on 127.0.0.1:$2"; return 0; }
    sleep 1
  done
  echo "    $1 did not come up on 127.0.0.1:$2 within $3 s" >&2
  return 1
}

status=0
if ! port_open 5432; then
  echo "==> starting PostgreSQL"
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  wait_port PostgreSQL 5432 30 || status=1
fi
if ! port_open 6379; then
  echo "==> starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_port Redis 6379 15 || status=1
fi
if ! port_open 5672; then
  echo "==> starting RabbitMQ"
  rabbitmq-server -detached || true
  wait_port RabbitMQ 5672 90 || status=1
fi
exit $status
