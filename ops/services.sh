#!/usr/bin/env bash
# Starts (or stops) the real services the product and its tests use, on loopback:
#   PostgreSQL 15 (Debian package), RabbitMQ (Debian package), Cassandra 5.0.8 (jars from Maven Central).
# Each is started only when its port does not already answer; data lives under $SERVICES_DIR
# (default .services/, ignored by git). Installing packages needs root and apt-get.
#
#   ops/services.sh start     install what is missing, start what is not running, wait until each answers
#   ops/services.sh stop      stop what this script started
#   ops/services.sh status    one line per service
#
# Settings: PG_PORT (5432), AMQP_PORT (5672), CQL_PORT (9042), SERVICES_DIR, CASSANDRA_HEAP (1G).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DIR="${SERVICES_DIR:-$ROOT/.services}"
PG_PORT="${PG_PORT:-5432}"
AMQP_PORT="${AMQP_PORT:-5672}"
CQL_PORT="${CQL_PORT:-9042}"
CASSANDRA_VERSION="5.0.8"
CASSANDRA_HEAP="${CASSANDRA_HEAP:-1G}"
JAVA17="${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}"
PG_BIN="/usr/lib/postgresql/15/bin"

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {  # name port seconds pidfile logfile
  local name=$1 port=$2 seconds=$3 pidfile=${4:-} logfile=${5:-}
  local deadline=$((SECONDS + seconds))
  until port_open "$port"; do
    if [[ -n "$pidfile" && -f "$pidfile" ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      [[ -n "$logfile" && -f "$logfile" ]] && tail -n 40 "$logfile" >&2
      die "$name exited during start-up (log: $logfile)"
    fi
    if (( SECONDS >= deadline )); then
      [[ -n "$logfile" && -f "$logfile" ]] && tail -n 40 "$logfile" >&2
      die "$name did not answer on 127.0.0.1:$port within ${seconds}s (log: $logfile)"
    fi
    sleep 1
  done
}

# One apt-get call for everything missing (parallel starts must not race for the apt lock).
install_missing() {
  local wanted=()
  [[ -x "$PG_BIN/postgres" ]] || port_open "$PG_PORT" || wanted+=(postgresql-15 postgresql-client-15)
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || port_open "$AMQP_PORT" || wanted+=(rabbitmq-server)
  # Browser tests drive Debian's Chromium with Playwright (no browser download).
  [[ -x /usr/bin/chromium ]] || wanted+=(chromium)
  if ! port_open "$CQL_PORT"; then
    [[ -x "$JAVA17" ]] || wanted+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null || wanted+=(maven)
  fi
  (( ${#wanted[@]} )) || return 0
  [[ $(id -u) -eq 0 ]] || die "installing ${wanted[*]} needs root (apt-get)"
  log "apt-get install ${wanted[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
}

# PostgreSQL refuses to run as root, so its folder must be reachable by the postgres user.
pg_dir() {
  local dir="$SERVICES_DIR/postgres"
  if id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$SERVICES_DIR" 2>/dev/null; then
    dir="/var/tmp/pagero-services-$(printf '%s' "$SERVICES_DIR" | sha1sum | cut -c1-10)/postgres"
  fi
  printf '%s' "$dir"
}

start_postgres() {
  if port_open "$PG_PORT"; then log "postgresql: already answering on $PG_PORT"; return; fi
  local dir; dir="$(pg_dir)"
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    log "postgresql: initdb in $dir/data"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # A development/test instance: durability settings traded for speed (never for production).
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=200" >/dev/null
  wait_for_port postgresql "$PG_PORT" 60 "" "$dir/postgres.log"
  if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='pagero'" | grep -q 1; then
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE pagero" >/dev/null
  fi
  log "postgresql: ready on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  local dir; dir="$(pg_dir)"
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null && log "postgresql: stopped"
  fi
}

rabbit_env() {
  local dir="$SERVICES_DIR/rabbitmq"
  export HOME="$dir" RABBITMQ_HOME=/usr/lib/rabbitmq RABBITMQ_NODENAME="pagero@localhost" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$AMQP_PORT" RABBITMQ_DIST_PORT=$((AMQP_PORT + 20000)) \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" ERL_EPMD_ADDRESS=127.0.0.1
}

start_rabbitmq() {
  if port_open "$AMQP_PORT"; then log "rabbitmq: already answering on $AMQP_PORT"; return; fi
  local dir="$SERVICES_DIR/rabbitmq"
  mkdir -p "$dir/mnesia" "$dir/log"
  [[ -f "$dir/enabled_plugins" ]] || echo "[]." > "$dir/enabled_plugins"
  # The test suite's consumers may stay busy for longer than the 30-minute default ack timeout.
  [[ -f "$dir/rabbitmq.conf" ]] || printf 'loopback_users.guest = true\nconsumer_timeout = 3600000\n' > "$dir/rabbitmq.conf"
  (
    rabbit_env
    # The Debian wrapper in /usr/sbin switches to the rabbitmq user; the real script runs fine as root.
    nohup setsid /usr/lib/rabbitmq/bin/rabbitmq-server > "$dir/log/startup.log" 2>&1 &
    echo $! > "$dir/launcher.pid"
  )
  wait_for_port rabbitmq "$AMQP_PORT" 120 "$dir/launcher.pid" "$dir/log/startup.log"
  log "rabbitmq: ready on 127.0.0.1:$AMQP_PORT"
}

stop_rabbitmq() {
  local dir="$SERVICES_DIR/rabbitmq"
  [[ -f "$dir/launcher.pid" ]] || return 0
  ( rabbit_env; /usr/lib/rabbitmq/bin/rabbitmqctl stop >/dev/null 2>&1 ) || kill "$(cat "$dir/launcher.pid")" 2>/dev/null || true
  rm -f "$dir/launcher.pid"
  log "rabbitmq: stopped"
}

# Instance settings; `cassandra-start NAME CQL STORAGE JMX` runs an extra single-node instance (fault tests).
CASSANDRA_NAME="cassandra"
STORAGE_PORT="${STORAGE_PORT:-7000}"
JMX_PORT="${JMX_PORT:-7199}"
cassandra_dir() { printf '%s' "$SERVICES_DIR/$CASSANDRA_NAME"; }
cassandra_lib() { printf '%s' "$SERVICES_DIR/cassandra/lib"; }

assemble_cassandra() {
  local lib; lib="$(cassandra_lib)"
  if [[ -f "$lib/cassandra-all-$CASSANDRA_VERSION.jar" ]]; then return; fi
  log "cassandra: copying cassandra-all $CASSANDRA_VERSION and its runtime dependencies from Maven Central"
  mvn -q -B -Dstyle.color=never -f "$ROOT/ops/cassandra/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib" >&2
}

start_cassandra() {
  if port_open "$CQL_PORT"; then log "cassandra: already answering on $CQL_PORT"; return; fi
  assemble_cassandra
  local dir; dir="$(cassandra_dir)"
  mkdir -p "$dir/conf" "$dir/data" "$dir/logs" "$dir/tmp"
  # The main instance keeps the yaml's cluster name (existing data checks it); extra instances get their own.
  local cluster="pagero-local"
  [[ "$CASSANDRA_NAME" == "cassandra" ]] || cluster="pagero-$CASSANDRA_NAME"
  sed -e "s/^native_transport_port: .*/native_transport_port: $CQL_PORT/" \
      -e "s/^storage_port: .*/storage_port: $STORAGE_PORT/" \
      -e "s/127.0.0.1:7000/127.0.0.1:$STORAGE_PORT/" \
      -e "s/^cluster_name: .*/cluster_name: $cluster/" \
      "$ROOT/ops/cassandra/cassandra.yaml" > "$dir/conf/cassandra.yaml"
  cp "$ROOT/ops/cassandra/logback.xml" "$dir/conf/logback.xml"
  local jvm_opts=()
  while IFS= read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    # shellcheck disable=SC2206
    jvm_opts+=($line)
  done < "$ROOT/ops/cassandra/jvm17-server.options"
  (
    cd "$dir"
    nohup setsid "$JAVA17" -Xms"$CASSANDRA_HEAP" -Xmx"$CASSANDRA_HEAP" -Xss512k "${jvm_opts[@]}" \
      -Dcassandra-foreground=yes \
      -Dcassandra.config="file://$dir/conf/cassandra.yaml" \
      -Dcassandra.storagedir="$dir/data" \
      -Dcassandra.logdir="$dir/logs" \
      -Dlogback.configurationFile="file://$dir/conf/logback.xml" \
      -Dcassandra.skip_wait_for_gossip_to_settle=0 \
      -Dcassandra.jmx.local.port="$JMX_PORT" \
      -Djava.io.tmpdir="$dir/tmp" -Djna.tmpdir="$dir/tmp" \
      -cp "$(cassandra_lib)/*" org.apache.cassandra.service.CassandraDaemon > "$dir/logs/stdout.log" 2>&1 &
    echo $! > "$dir/cassandra.pid"
  )
  wait_for_port cassandra "$CQL_PORT" 240 "$dir/cassandra.pid" "$dir/logs/system.log"
  log "cassandra: ready on 127.0.0.1:$CQL_PORT (pid $(cat "$dir/cassandra.pid"))"
}

stop_cassandra() {
  local signal=${1:-TERM}
  local dir; dir="$(cassandra_dir)"
  [[ -f "$dir/cassandra.pid" ]] || return 0
  local pid; pid="$(cat "$dir/cassandra.pid")"
  if kill "-$signal" "$pid" 2>/dev/null; then
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/cassandra.pid"
  log "$CASSANDRA_NAME: stopped"
}

status() {
  for svc in "postgresql $PG_PORT" "rabbitmq $AMQP_PORT" "cassandra $CQL_PORT"; do
    set -- $svc
    if port_open "$2"; then echo "$1: up on 127.0.0.1:$2"; else echo "$1: down"; fi
  done
}

case "${1:-start}" in
  start)
    mkdir -p "$SERVICES_DIR"
    started=$SECONDS
    install_missing
    # Cassandra takes longest: start it first and let the others come up while it boots.
    if ! port_open "$CQL_PORT"; then start_cassandra & cass_pid=$!; else log "cassandra: already answering on $CQL_PORT"; cass_pid=; fi
    start_postgres
    start_rabbitmq
    if [[ -n "${cass_pid:-}" ]]; then wait "$cass_pid" || die "cassandra failed to start"; fi
    log "all services ready in $((SECONDS - started))s"
    ;;
  stop)
    for extra in "$SERVICES_DIR"/cassandra-*/cassandra.pid; do
      [[ -f "$extra" ]] || continue
      CASSANDRA_NAME="$(basename "$(dirname "$extra")")" stop_cassandra
    done
    stop_cassandra; stop_rabbitmq; stop_postgres ;;
  cassandra-start)  # NAME CQL_PORT STORAGE_PORT JMX_PORT
    [[ $# -eq 5 ]] || { echo "usage: $0 cassandra-start NAME CQL_PORT STORAGE_PORT JMX_PORT" >&2; exit 2; }
    CASSANDRA_NAME="cassandra-$2" CQL_PORT=$3 STORAGE_PORT=$4 JMX_PORT=$5
    mkdir -p "$SERVICES_DIR"; assemble_cassandra; start_cassandra ;;
  cassandra-stop)  # NAME [KILL]
    [[ $# -ge 2 ]] || { echo "usage: $0 cassandra-stop NAME [KILL]" >&2; exit 2; }
    CASSANDRA_NAME="cassandra-$2"; stop_cassandra "${3:-TERM}" ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status|cassandra-start|cassandra-stop" >&2; exit 2 ;;
esac
