#!/usr/bin/env bash
# RabbitMQ for Switchyard's tests, on 127.0.0.1:5672 with guest/guest.
#
#   scripts/brokers/rabbitmq.sh   make sure RabbitMQ answers, installing and starting it if needed
#
# The project's machines start RabbitMQ before every session; on such a machine this only checks
# that it answers. On a fresh machine it installs Debian's rabbitmq-server (and amqp-tools, whose
# amqp-publish the interop tests use) and starts it. Either way it enables the management plugin
# (the HTTP API on 127.0.0.1:15672 that `switchyard dlq` uses to list queues) and waits for it.
set -euo pipefail

log() { printf 'rabbitmq: %s\n' "$*"; }
die() { printf 'rabbitmq: %s\n' "$*" >&2; exit 1; }

answers() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

management_answers() {
  if command -v curl >/dev/null; then
    curl -fsS -o /dev/null -u guest:guest http://127.0.0.1:15672/api/overview 2>/dev/null
  else
    (exec 3<>/dev/tcp/127.0.0.1/15672) 2>/dev/null
  fi
}

# Enabling an enabled plugin changes nothing, so this is safe on a node already serving others.
enable_management() {
  if management_answers; then return 0; fi
  rabbitmq-plugins -q enable rabbitmq_management >/dev/null || die "could not enable rabbitmq_management"
  for _ in $(seq 1 120); do
    management_answers && return 0
    sleep 0.5
  done
  die "the management API on 127.0.0.1:15672 did not answer within 60 s"
}

apt_install() {
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v amqp-publish >/dev/null || apt_install amqp-tools
command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server

if answers && rabbitmqctl -q await_startup >/dev/null 2>&1; then
  how=reused
else
  # Started the way the project's machines start it before a session.
  rabbitmq-server -detached >/dev/null 2>&1 || true
  # await_startup blocks until the node has booted, or fails within its timeout.
  rabbitmqctl -q --timeout 90 await_startup >/dev/null 2>&1 || die "did not start within 90 s (see /var/log/rabbitmq)"
  answers || die "started but 127.0.0.1:5672 does not answer"
  how=started
fi
enable_management
log "ready on 127.0.0.1:5672, management API on 127.0.0.1:15672 ($how)"
