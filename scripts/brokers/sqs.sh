#!/usr/bin/env bash
# In-memory SQS + SNS emulator (fauxqs, no docker) for Switchyard's tests.
#
#   scripts/brokers/sqs.sh [start]   start the emulator, or reuse one that already answers
#   scripts/brokers/sqs.sh stop      stop the emulator that this script started
#   scripts/brokers/sqs.sh status    say whether an emulator runs (exit 0) or not (exit 1)
#
# Clients talk to it through the AWS SDK with the endpoint overridden to
# http://127.0.0.1:$SQS_PORT; it accepts any region and any credentials. It
# keeps everything in memory, so a restart starts from no queues and topics.
#
# fauxqs comes from the npm registry and needs Node.js 20+. It is installed
# outside the repository, under $SWITCHYARD_CACHE/sqs:
#
#   fauxqs-<version>/         npm prefix holding fauxqs and its dependencies
#   install.log               output of the npm install
#   fauxqs-<port>.log, .pid   the running emulator's log and pid
#
# The emulator is run by sqs-server.mjs beside this script, which binds it to
# 127.0.0.1 (fauxqs' own CLI listens on every interface).
#
# Environment (all optional):
#   SQS_PORT           port to serve on                      (default 4566)
#   SQS_START_TIMEOUT  seconds to wait for readiness         (default 30)
#   SQS_REQUEST_LOG    "false" drops the per-request log lines (default true)
#   SWITCHYARD_CACHE   cache root                            (default ~/.cache/switchyard)
set -euo pipefail

# fauxqs 2.x imports node:sqlite and so needs Node.js 22.5+; 1.9.2 is the newest
# release that runs on Node.js 20.
FAUXQS_VERSION=1.9.2
# fauxqs ships no lockfile and asks for its dependencies by range, so the
# install takes only versions published before this date (npm --before), which
# keeps the dependency tree the same on every machine. Move it forward
# deliberately, and re-test, when FAUXQS_VERSION changes.
FAUXQS_DEPS_BEFORE=2026-11-20

SQS_HOST=127.0.0.1
SQS_PORT="${SQS_PORT:-4566}"
SQS_START_TIMEOUT="${SQS_START_TIMEOUT:-30}"
SQS_REQUEST_LOG="${SQS_REQUEST_LOG:-true}"
SWITCHYARD_CACHE="${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}"

URL="http://$SQS_HOST:$SQS_PORT"
CACHE_DIR="$SWITCHYARD_CACHE/sqs"
INSTALL_DIR="$CACHE_DIR/fauxqs-$FAUXQS_VERSION"
INSTALL_LOG="$CACHE_DIR/install.log"
LOG_FILE="$CACHE_DIR/fauxqs-$SQS_PORT.log"
PID_FILE="$CACHE_DIR/fauxqs-$SQS_PORT.pid"
LAUNCHER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sqs-server.mjs"

log() { printf 'sqs: %s\n' "$*"; }
die() { printf 'sqs: %s\n' "$*" >&2; exit 1; }

# True when an SQS API answers on the port: an unsigned ListQueues call, which
# fauxqs (like other emulators) accepts. A bare TCP connect or fauxqs' /health
# route would not prove that the SQS API itself is up.
sqs_answers() {
  curl --silent --fail --max-time 2 --output /dev/null \
    --header 'Content-Type: application/x-amz-json-1.0' \
    --header 'X-Amz-Target: AmazonSQS.ListQueues' \
    --data '{}' "$URL/"
}

# True while the process is the emulator's launcher. Checking the command line
# rather than `kill -0` means that a pid reused by an unrelated process is never
# mistaken for the emulator (nor killed by `stop`), and that an emulator that
# has exited counts as gone even while it waits to be reaped as a zombie.
is_emulator() {
  tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF "$LAUNCHER"
}

# Prints the pid of the emulator this script started, if it still runs.
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid=$(<"$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && is_emulator "$pid" || return 1
  echo "$pid"
}

# What answers on the port, as far as this script knows it.
running_name() {
  if running_pid >/dev/null; then
    echo "fauxqs $FAUXQS_VERSION"
  else
    echo "not started by this script"
  fi
}

check_node() {
  command -v node >/dev/null || die "node not found (fauxqs $FAUXQS_VERSION needs Node.js 20+)"
  command -v npm >/dev/null || die "npm not found: it is needed once, to install fauxqs $FAUXQS_VERSION"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
    || die "fauxqs $FAUXQS_VERSION needs Node.js 20+, node is $(node --version)"
}

# Installs fauxqs once. npm works in a temporary folder that is renamed into
# place, so an interrupted install never leaves a folder that looks complete.
# No package in the tree has install scripts, so none are run.
install_fauxqs() {
  [[ -f "$INSTALL_DIR/node_modules/fauxqs/package.json" ]] && return 0
  local tmp="$INSTALL_DIR.tmp.$$"
  # Under the lock, any other temporary folder is left from an interrupted run.
  rm -rf "$INSTALL_DIR".tmp.*
  mkdir -p "$tmp"
  echo '{ "private": true }' >"$tmp/package.json"
  if ! (cd "$tmp" && npm install "fauxqs@$FAUXQS_VERSION" --save-exact \
      --before="$FAUXQS_DEPS_BEFORE" --ignore-scripts --no-audit --no-fund) \
      >"$INSTALL_LOG" 2>&1; then
    tail -n 30 "$INSTALL_LOG" >&2
    rm -rf "$tmp"
    die "installing fauxqs $FAUXQS_VERSION with npm failed (log: $INSTALL_LOG)"
  fi
  rm -rf "$INSTALL_DIR"
  mv "$tmp" "$INSTALL_DIR"
}

start() {
  if sqs_answers; then
    log "ready on $URL ($(running_name), reused)"
    return 0
  fi
  local pid
  if pid=$(running_pid); then
    # Ours, but not answering: a start that timed out, or a hung emulator.
    # Wait for it like for a fresh start rather than starting a second one.
    wait_ready "$pid" reused
    return 0
  fi

  check_node
  install_fauxqs

  # Keep the previous run's log for post-mortems.
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"

  # setsid + nohup: the emulator outlives this script, its terminal and its
  # process group. In a non-interactive shell setsid execs node without
  # forking, so $! is the emulator's own pid. 9>&- keeps the lock's file
  # descriptor out of the emulator, which would otherwise hold the lock for as
  # long as it runs.
  FAUXQS_DIR="$INSTALL_DIR" SQS_HOST="$SQS_HOST" SQS_PORT="$SQS_PORT" \
    SQS_REQUEST_LOG="$SQS_REQUEST_LOG" \
    setsid nohup node "$LAUNCHER" </dev/null >"$LOG_FILE" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"

  wait_ready "$pid" started
}

# Waits until the emulator answers the SQS API, or fails if it exits first.
wait_ready() {
  local pid="$1" how="$2"
  local deadline=$((SECONDS + SQS_START_TIMEOUT))
  until sqs_answers; do
    if ! is_emulator "$pid"; then
      tail -n 30 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "the emulator exited during startup (log: $LOG_FILE)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$LOG_FILE" >&2 || true
      die "not ready after ${SQS_START_TIMEOUT}s; it is left running as pid $pid (log: $LOG_FILE)"
    fi
    sleep 0.2
  done
  log "ready on $URL (fauxqs $FAUXQS_VERSION, $how)"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    if sqs_answers; then
      log "an emulator answers on $URL but was not started by this script; left alone"
    else
      log "not running"
    fi
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while is_emulator "$pid" && ((SECONDS < deadline)); do
    sleep 0.1
  done
  if is_emulator "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    log "stopped (pid $pid did not exit within 10 s and was killed)"
  else
    log "stopped"
  fi
  rm -f "$PID_FILE"
}

status() {
  local pid
  if sqs_answers; then
    log "running on $URL ($(running_name))"
  elif pid=$(running_pid); then
    log "pid $pid is alive but does not answer on $URL (log: $LOG_FILE)"
    return 1
  else
    log "not running"
    return 1
  fi
}

# Parallel callers (several test runners, say) take turns to start or stop, so
# only one of them installs and starts the emulator and the others reuse it.
with_lock() {
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/sqs.lock"
  # The first start may install fauxqs before it waits for readiness.
  flock -w $((SQS_START_TIMEOUT + 300)) 9 || die "timed out waiting for $CACHE_DIR/sqs.lock"
  "$@"
}

main() {
  [[ "$SQS_PORT" =~ ^[0-9]+$ ]] || die "SQS_PORT must be a port number, not '$SQS_PORT'"
  [[ "$SQS_START_TIMEOUT" =~ ^[0-9]+$ ]] || die "SQS_START_TIMEOUT must be whole seconds, not '$SQS_START_TIMEOUT'"
  command -v curl >/dev/null || die "curl not found: it is needed to check that the emulator answers"
  case "${1:-start}" in
    start) with_lock start ;;
    stop) with_lock stop ;;
    status) status ;;
    *)
      echo "usage: $0 [start|stop|status]" >&2
      exit 2
      ;;
  esac
}

main "$@"
