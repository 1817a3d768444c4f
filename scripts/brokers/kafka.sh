#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, no ZooKeeper, no docker) for Switchyard's tests.
#
#   scripts/brokers/kafka.sh [start]   start the broker, or reuse one that already answers
#   scripts/brokers/kafka.sh stop      stop the broker that this script started
#   scripts/brokers/kafka.sh status    say whether a broker runs (exit 0) or not (exit 1)
#   scripts/brokers/kafka.sh console-producer ARGS…
#                                      Kafka's own console producer (kafka.tools.ConsoleProducer)
#
# Starting also installs kcat (Debian's package) when it is missing: the interop
# tests read and write records with it, as an operator would.
#
# The broker jars come from Maven Central through Maven (the only registry the
# project's machines reach), so only Java 11+ and Maven are needed. Everything
# lives outside the repository, under $SWITCHYARD_CACHE:
#
#   kafka-<version>/libs/   the jars, downloaded once
#   kafka-run/              server.properties, log4j.properties, data/, kafka.log, kafka.pid
#
# Environment (all optional):
#   KAFKA_VERSION          Kafka release to run            (default 3.9.2)
#   KAFKA_PORT             client listener port            (default 19092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port  (default 19093)
#   KAFKA_HEAP_OPTS        JVM heap flags                  (default -Xmx512m -Xms256m)
#   KAFKA_LOG_LEVEL        root log4j level for kafka.log  (default WARN)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness   (default 90)
#   SWITCHYARD_CACHE       cache root                      (default ~/.cache/switchyard)
#   JAVA_HOME              JDK to use                      (default: java on PATH)
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
KAFKA_LOG_LEVEL="${KAFKA_LOG_LEVEL:-WARN}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
SWITCHYARD_CACHE="${SWITCHYARD_CACHE:-${HOME:?set HOME or SWITCHYARD_CACHE}/.cache/switchyard}"

DIST_DIR="$SWITCHYARD_CACHE/kafka-$KAFKA_VERSION"
LIBS_DIR="$DIST_DIR/libs"
LIBS_MARKER="$LIBS_DIR/.complete"
RUN_DIR="$SWITCHYARD_CACHE/kafka-run"
DATA_DIR="$RUN_DIR/data"
SERVER_PROPS="$RUN_DIR/server.properties"
LOG4J_PROPS="$RUN_DIR/log4j.properties"
LOG_FILE="$RUN_DIR/kafka.log"
PID_FILE="$RUN_DIR/kafka.pid"
VERSION_FILE="$RUN_DIR/kafka.version"

# A fixed cluster id keeps the data directory valid across restarts and cache
# wipes alike. Any base64url-encoded 16 bytes will do; these are "switchyard-test!".
CLUSTER_ID="c3dpdGNoeWFyZC10ZXN0IQ"

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: %s\n' "$*" >&2; exit 1; }

# True when a Kafka broker answers on the client port. A bare TCP connect would
# also succeed for any other server on that port, so this sends a real
# ApiVersions v0 request and checks that the reply echoes its correlation id:
#   size=10 | api_key=18 | api_version=0 | correlation_id="SWYD" | client_id=null
kafka_answers() {
  local reply
  # The inner script gets host and port as $0 and $1; timeout bounds a peer
  # that accepts the connection but never replies.
  # shellcheck disable=SC2016
  reply=$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x00\x00\x00\x0a\x00\x12\x00\x00SWYD\xff\xff" >&3
    head -c 8 <&3 | od -An -tx1 | tr -d " \n"
  ' "$KAFKA_HOST" "$KAFKA_PORT" 2>/dev/null) || return 1
  # The reply starts with its 4-byte size, then the correlation id "SWYD".
  [[ "${reply:8:8}" == 53575944 ]]
}

# Prints the pid of the broker this script started, if it still runs. The
# command line is checked too, so a stale pid file whose pid was reused by an
# unrelated process is never mistaken for the broker (nor killed by `stop`).
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid=$(<"$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $SERVER_PROPS" || return 1
  echo "$pid"
}

# Version of the broker that answers, as far as this script knows it.
running_version() {
  if running_pid >/dev/null && [[ -f "$VERSION_FILE" ]]; then
    cat "$VERSION_FILE"
  else
    echo "not started by this script, version unknown"
  fi
}

check_java() {
  command -v "$JAVA" >/dev/null || die "java not found (install a JDK 11+ or set JAVA_HOME)"
  local major
  major=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  major="${major#1.}"
  [[ "${major%%.*}" -ge 11 ]] 2>/dev/null || die "Kafka $KAFKA_VERSION needs Java 11 or newer, $JAVA is ${major:-unknown}"
}

# Downloads the broker and its runtime dependencies once. Maven resolves the
# same jar set that the Kafka distribution ships in libs/ (minus Connect,
# Streams and the CLI tools, which a broker does not need). The jars are copied
# into a temporary folder and renamed into place, so an interrupted download
# never leaves a libs folder that looks complete.
fetch_libs() {
  [[ -f "$LIBS_MARKER" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found: Maven is needed once, to download Kafka $KAFKA_VERSION"

  mkdir -p "$DIST_DIR"
  cat >"$DIST_DIR/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by switchyard scripts/brokers/kafka.sh: the jars of a Kafka broker. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.switchyard.local</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- Its POM already excludes ZooKeeper's logback, as Kafka's own build does. -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- The logging binding that the Kafka 3.x distribution ships. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>1.7.36</version>
    </dependency>
    <dependency>
      <groupId>ch.qos.reload4j</groupId>
      <artifactId>reload4j</artifactId>
      <version>1.2.25</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF

  local tmp="$DIST_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  if ! mvn -B -q -ntp -f "$DIST_DIR/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime >"$DIST_DIR/mvn.log" 2>&1; then
    tail -n 50 "$DIST_DIR/mvn.log" >&2
    rm -rf "$tmp"
    die "downloading Kafka $KAFKA_VERSION with Maven failed (log: $DIST_DIR/mvn.log)"
  fi
  if [[ ! -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    rm -rf "$tmp"
    die "Maven did not deliver kafka_2.13-$KAFKA_VERSION.jar (log: $DIST_DIR/mvn.log)"
  fi
  echo "$KAFKA_VERSION" >"$tmp/.complete"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
}

# The broker configuration, rewritten on every start so that it always matches
# this script and the current ports.
write_config() {
  mkdir -p "$RUN_DIR"
  cat >"$SERVER_PROPS" <<EOF
# Generated by switchyard scripts/brokers/kafka.sh; rewritten on every start.

# One KRaft node that is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR

# A single broker can hold only one replica of anything.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1

# The internal topics are created on the first group join and the first
# transaction; 10 partitions instead of 50 make those first calls quicker.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10

# Tests create topics on the fly and expect them to be spread over partitions.
auto.create.topics.enable=true
num.partitions=3

# Start the first rebalance of a group at once instead of waiting 3 s for more
# members to join.
group.initial.rebalance.delay.ms=0
# Let tests choose session timeouts below the 6 s default minimum, so that a
# consumer that a test kills is noticed quickly. Clients still pick their own.
group.min.session.timeout.ms=1000

# broker.session.timeout.ms keeps its 9 s default: after a kill -9 the next
# start waits that long for the old registration to expire (a clean stop does
# not), but a shorter one could fence the broker during a stall on a busy box.
EOF

  # Everything goes to stdout, which is kafka.log. The readiness check below
  # waits for "Kafka Server started", logged at INFO by KafkaRaftServer.
  cat >"$LOG4J_PROPS" <<EOF
# Generated by switchyard scripts/brokers/kafka.sh; rewritten on every start.
log4j.rootLogger=$KAFKA_LOG_LEVEL, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
}

ensure_kcat() {
  command -v kcat >/dev/null && return 0
  log "installing kcat"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null
}

# Runs Kafka's console producer from the broker's jars (the same class that
# bin/kafka-console-producer.sh of a Kafka distribution runs), quiet on stderr.
console_producer() {
  check_java
  with_lock fetch_libs
  exec 9>&- # the lock is not the producer's to hold
  mkdir -p "$RUN_DIR"
  local config="$RUN_DIR/tools-log4j.properties"
  printf '%s\n' 'log4j.rootLogger=WARN, stderr' \
    'log4j.appender.stderr=org.apache.log4j.ConsoleAppender' \
    'log4j.appender.stderr.Target=System.err' \
    'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout' \
    'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n' >"$config"
  exec "$JAVA" -Dlog4j.configuration="file:$config" -cp "$LIBS_DIR/*" kafka.tools.ConsoleProducer "$@"
}

run_java() {
  "$JAVA" -Dlog4j.configuration="file:$LOG4J_PROPS" -cp "$LIBS_DIR/*" "$@"
}

# Formats the data directory for KRaft, once. A directory left by another
# setup (another node id or cluster id, a ZooKeeper-mode broker, a half-written
# format) is wiped and formatted anew: this broker only ever holds test data.
format_storage() {
  local meta="$DATA_DIR/meta.properties"
  if [[ -f "$meta" ]] && grep -qx "node.id=1" "$meta" && grep -qx "cluster.id=$CLUSTER_ID" "$meta"; then
    return 0
  fi
  local out
  if ! out=$(run_java kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$SERVER_PROPS" 2>&1); then
    rm -rf "$DATA_DIR"
    out=$(run_java kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$SERVER_PROPS" 2>&1) \
      || { printf '%s\n' "$out" >&2; die "formatting $DATA_DIR failed"; }
  fi
}

start() {
  if kafka_answers; then
    log "ready on $KAFKA_HOST:$KAFKA_PORT ($(running_version), reused)"
    return 0
  fi
  local pid
  if pid=$(running_pid); then
    # Ours and alive, yet silent: hung, or started on other ports. Starts are
    # serialised by the lock, so it is not one still in progress.
    echo "kafka: pid $pid does not answer on $KAFKA_HOST:$KAFKA_PORT; restarting it" >&2
    stop_pid "$pid" >/dev/null
  fi
  # Kafka would fail only after its whole startup, with a long stack trace.
  if (exec 3<>"/dev/tcp/$KAFKA_HOST/$KAFKA_PORT") 2>/dev/null; then
    die "$KAFKA_HOST:$KAFKA_PORT is taken by something that is not Kafka; set KAFKA_PORT to use another port"
  fi

  check_java
  fetch_libs
  write_config
  format_storage

  # Keep the previous run's log for post-mortems; the readiness check greps
  # only the new one.
  if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi

  # setsid + nohup: the broker outlives this script, its terminal and its
  # process group. In a non-interactive shell setsid execs java without
  # forking, so $! is the broker's own pid. "9>&-" keeps the lock file
  # descriptor out of the broker, which would otherwise hold the lock for life.
  # The G1 flags are those of Kafka's own kafka-run-class.sh.
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several flags.
  setsid nohup "$JAVA" $KAFKA_HEAP_OPTS \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$LOG4J_PROPS" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$SERVER_PROPS" \
    </dev/null >"$LOG_FILE" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$KAFKA_VERSION" >"$VERSION_FILE"

  wait_ready "$pid"
}

# Waits until the broker logged its start and answers an ApiVersions request.
# A broker that is not ready in time is stopped, so a failed start leaves no
# half-started JVM behind.
wait_ready() {
  local pid="$1"
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 50 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "the broker exited during startup (log: $LOG_FILE)"
    fi
    if grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null && kafka_answers; then
      log "ready on $KAFKA_HOST:$KAFKA_PORT ($KAFKA_VERSION, started)"
      return 0
    fi
    sleep 0.5
  done
  tail -n 50 "$LOG_FILE" >&2 || true
  stop_pid "$pid" >/dev/null
  die "not ready after ${KAFKA_START_TIMEOUT}s, stopped it again (log: $LOG_FILE)"
}

# SIGTERM makes Kafka shut down cleanly, so that the next start need not
# recover its logs. It is given 30 s before being killed.
stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    log "stopped (pid $pid did not exit within 30 s and was killed)"
  else
    log "stopped"
  fi
  rm -f "$PID_FILE"
}

stop() {
  local pid
  if pid=$(running_pid); then
    stop_pid "$pid"
    return 0
  fi
  rm -f "$PID_FILE"
  if kafka_answers; then
    log "a broker answers on $KAFKA_HOST:$KAFKA_PORT but was not started by this script; left alone"
  else
    log "not running"
  fi
}

status() {
  local pid
  if pid=$(running_pid); then
    if kafka_answers; then
      log "running on $KAFKA_HOST:$KAFKA_PORT (pid $pid, $(running_version))"
    else
      log "pid $pid is alive but does not answer on $KAFKA_HOST:$KAFKA_PORT yet (log: $LOG_FILE)"
    fi
  elif kafka_answers; then
    log "a broker answers on $KAFKA_HOST:$KAFKA_PORT (not started by this script)"
  else
    log "not running"
    return 1
  fi
}

# Parallel callers (several test runners, say) take turns to start or stop, so
# only one of them starts the broker and the others find it running.
with_lock() {
  mkdir -p "$SWITCHYARD_CACHE"
  exec 9>"$SWITCHYARD_CACHE/kafka.lock"
  # The first start may download Kafka before it waits for readiness.
  flock -w $((KAFKA_START_TIMEOUT + 600)) 9 || die "timed out waiting for $SWITCHYARD_CACHE/kafka.lock"
  "$@"
}

main() {
  case "${1:-start}" in
    start)
      ensure_kcat
      with_lock start
      ;;
    stop) with_lock stop ;;
    status) status ;;
    console-producer)
      shift
      console_producer "$@"
      ;;
    *)
      echo "usage: $0 [start|stop|status|console-producer ARGS…]" >&2
      exit 2
      ;;
  esac
}

main "$@"
