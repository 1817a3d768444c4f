#!/usr/bin/env bash
# Every broker the test suite talks to, started (or reused) on loopback: RabbitMQ, Redis, Kafka and
# the SQS/SNS emulator. Idempotent; each script installs what its broker needs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/rabbitmq.sh"
bash "$here/redis.sh"
bash "$here/kafka.sh"
bash "$here/sqs.sh"
