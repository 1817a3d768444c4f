#!/usr/bin/env bash
# Redis for Switchyard's tests, on 127.0.0.1:6379, keeping nothing on disk.
#
#   scripts/brokers/redis.sh   make sure Redis answers, installing and starting it if needed
#
# The project's machines start Redis before every session; on such a machine this only checks
# that it answers. On a fresh machine it installs Debian's redis-server (which brings redis-cli,
# used by the interop tests) and starts it as those machines do.
set -euo pipefail

log() { printf 'redis: %s\n' "$*"; }
die() { printf 'redis: %s\n' "$*" >&2; exit 1; }

answers() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  log "installing redis-server"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

if answers; then
  log "ready on 127.0.0.1:6379 (reused)"
  exit 0
fi

mkdir -p /var/lib/redis /var/log/redis
redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
  --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null
for _ in $(seq 1 100); do
  if answers; then
    log "ready on 127.0.0.1:6379 (started)"
    exit 0
  fi
  sleep 0.1
done
die "did not answer within 10 s (see /var/log/redis/ci.log)"
