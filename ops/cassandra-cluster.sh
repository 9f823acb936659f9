#!/usr/bin/env bash
# A real 3-node Cassandra cluster on loopback, next to the single node of ops/services.sh.
#
# Linux routes all of 127.0.0.0/8 to lo, so each node has an address of its own and keeps the standard ports:
#   node 1: 127.0.0.2 (CQL 9042, storage 7000, JMX 127.0.0.1:7201)   seed
#   node 2: 127.0.0.3 (CQL 9042, storage 7000, JMX 127.0.0.1:7202)
#   node 3: 127.0.0.4 (CQL 9042, storage 7000, JMX 127.0.0.1:7203)
# The single node of `make test` stays on 127.0.0.1:9042 (storage 7000, JMX 7199): the two never meet.
# One JVM per node (heap CLUSTER_HEAP, default 640M), data under $SERVICES_DIR/cluster/nodeN, nodes started one
# after another (a node joins the ring through gossip with the seed; simultaneous joins are refused).
#
#   ops/cassandra-cluster.sh start             start the nodes that are down, wait until all three serve CQL
#   ops/cassandra-cluster.sh stop              stop every node
#   ops/cassandra-cluster.sh status            one line per node (and the ring as the seed sees it)
#   ops/cassandra-cluster.sh node-stop N [KILL] stop one node (TERM, or KILL = a crash)
#   ops/cassandra-cluster.sh node-start N      start one node again (same data: it rejoins, hints are replayed)
#   ops/cassandra-cluster.sh nodetool N ARGS   run nodetool against node N (e.g. `nodetool 2 repair pagero`)
#   ops/cassandra-cluster.sh hosts             the contact points, for CASSANDRA_CLUSTER_HOSTS
#   ops/cassandra-cluster.sh wipe              stop every node and delete the cluster's data
#
# Tests marked `cluster` use it when CASSANDRA_CLUSTER_HOSTS=127.0.0.2,127.0.0.3,127.0.0.4 is set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DIR="${SERVICES_DIR:-$ROOT/.services}"
CLUSTER_DIR="$SERVICES_DIR/cluster"
CASSANDRA_VERSION="5.0.8"
CLUSTER_HEAP="${CLUSTER_HEAP:-640M}"
JAVA17="${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}"
LIB="$SERVICES_DIR/cassandra/lib"  # shared with ops/services.sh: the jars are assembled once
NODES=(1 2 3)
# One token per node, evenly spaced: a balanced ring without vnodes (each node owns a third; RF 3 = all data).
TOKENS=(-9223372036854775808 -3074457345618258603 3074457345618258602)

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

node_addr() { printf '127.0.0.%d' $(($1 + 1)); }
node_jmx() { printf '%d' $((7200 + $1)); }
node_dir() { printf '%s/node%d' "$CLUSTER_DIR" "$1"; }
cql_open() { (exec 3<>"/dev/tcp/$(node_addr "$1")/9042") 2>/dev/null; }
node_pid() { local f; f="$(node_dir "$1")/cassandra.pid"; [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }

assemble() {
  [[ -f "$LIB/cassandra-all-$CASSANDRA_VERSION.jar" ]] && return
  command -v mvn >/dev/null || die "maven is needed to assemble Cassandra (or run ops/services.sh start once)"
  log "copying cassandra-all $CASSANDRA_VERSION and its runtime dependencies from Maven Central"
  mvn -q -B -Dstyle.color=never -f "$ROOT/ops/cassandra/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB" >&2
}

write_config() {  # N
  local n=$1 dir addr; dir="$(node_dir "$n")"; addr="$(node_addr "$n")"
  mkdir -p "$dir/conf" "$dir/data" "$dir/logs" "$dir/tmp"
  cat > "$dir/conf/cassandra.yaml" <<EOF
# Node $n of the loopback test cluster (written by ops/cassandra-cluster.sh).
cluster_name: pagero-cluster
num_tokens: 1
initial_token: ${TOKENS[$((n - 1))]}
allocate_tokens_for_local_replication_factor: 3
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
# One data centre (datacenter1), one rack, as in production with NetworkTopologyStrategy. This snitch also orders
# replicas by proximity with the node itself first, and without the dynamic snitch a read at ONE coordinated by a
# node is answered from that node's own data: the cluster tests use that to check what one replica holds.
endpoint_snitch: GossipingPropertyFileSnitch
dynamic_snitch: false
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$(node_addr 1):7000"
listen_address: $addr
rpc_address: $addr
native_transport_port: 9042
storage_port: 7000
start_native_transport: true
# A new, empty cluster: nothing to stream when a node first joins.
auto_bootstrap: false
auto_snapshot: false
hinted_handoff_enabled: true
max_hint_window: 3h
EOF
  printf 'dc=datacenter1\nrack=rack1\n' > "$dir/conf/cassandra-rackdc.properties"
  cp "$ROOT/ops/cassandra/logback.xml" "$dir/conf/logback.xml"
}

read_jvm_options() {  # fills the caller's jvm_opts from Cassandra's jvm17-server.options
  local line
  while IFS= read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    # shellcheck disable=SC2206
    jvm_opts+=($line)
  done < "$ROOT/ops/cassandra/jvm17-server.options"
}

start_node() {  # N
  local n=$1 dir; dir="$(node_dir "$n")"
  if cql_open "$n"; then log "node $n: already serving on $(node_addr "$n"):9042"; return; fi
  [[ -n "$(node_pid "$n" || true)" ]] && die "node $n: process $(node_pid "$n") runs but does not answer"
  write_config "$n"
  local jvm_opts=()
  read_jvm_options
  (
    cd "$dir"
    nohup setsid "$JAVA17" -Xms"$CLUSTER_HEAP" -Xmx"$CLUSTER_HEAP" -Xss512k "${jvm_opts[@]}" \
      -Dcassandra-foreground=yes \
      -Dcassandra.config="file://$dir/conf/cassandra.yaml" \
      -Dcassandra-rackdc.properties="file://$dir/conf/cassandra-rackdc.properties" \
      -Dcassandra.storagedir="$dir/data" \
      -Dcassandra.logdir="$dir/logs" \
      -Dlogback.configurationFile="file://$dir/conf/logback.xml" \
      -Dcassandra.skip_wait_for_gossip_to_settle=0 \
      -Dcassandra.ring_delay_ms=3000 \
      -Dcassandra.jmx.local.port="$(node_jmx "$n")" \
      -Djava.io.tmpdir="$dir/tmp" -Djna.tmpdir="$dir/tmp" \
      -cp "$LIB/*" org.apache.cassandra.service.CassandraDaemon > "$dir/logs/stdout.log" 2>&1 &
    echo $! > "$dir/cassandra.pid"
  )
  local deadline=$((SECONDS + 300))
  until cql_open "$n"; do
    if ! kill -0 "$(cat "$dir/cassandra.pid")" 2>/dev/null; then
      tail -n 40 "$dir/logs/system.log" >&2 || true
      die "node $n exited during start-up (log: $dir/logs/system.log)"
    fi
    (( SECONDS < deadline )) || die "node $n did not answer on $(node_addr "$n"):9042 within 300s"
    sleep 1
  done
  log "node $n: ready on $(node_addr "$n"):9042 (pid $(cat "$dir/cassandra.pid"))"
}

stop_node() {  # N [TERM|KILL]
  local n=$1 signal=${2:-TERM} pid dir; dir="$(node_dir "$n")"
  pid="$(node_pid "$n" || true)"
  if [[ -n "$pid" ]]; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
    log "node $n: stopped ($signal)"
  fi
  rm -f "$dir/cassandra.pid"
}

nodetool() {  # N ARGS...
  local n=$1 jvm_opts=() opt tool_opts=(); shift
  read_jvm_options
  # nodetool needs the module exports and opens of the server (Java 17), not its GC settings.
  for opt in "${jvm_opts[@]}"; do [[ "$opt" == -XX:* ]] || tool_opts+=("$opt"); done
  "$JAVA17" -Xmx128M "${tool_opts[@]}" -cp "$LIB/*" -Dcassandra.storagedir="$(node_dir "$n")/data" \
    -Dlogback.configurationFile="file://$ROOT/ops/cassandra/logback.xml" -Dcassandra.logdir="$(node_dir "$n")/logs" \
    org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p "$(node_jmx "$n")" "$@"
}

valid_node() { [[ "${1:-}" =~ ^[123]$ ]] || die "node must be 1, 2 or 3 (got '${1:-}')"; }

case "${1:-}" in
  start)
    assemble
    started=$SECONDS
    for n in "${NODES[@]}"; do start_node "$n"; done
    log "cluster ready in $((SECONDS - started))s: CASSANDRA_CLUSTER_HOSTS=$(node_addr 1),$(node_addr 2),$(node_addr 3)"
    ;;
  stop) for n in 3 2 1; do stop_node "$n"; done ;;
  status)
    for n in "${NODES[@]}"; do
      if cql_open "$n"; then echo "node $n: up on $(node_addr "$n"):9042"; else echo "node $n: down"; fi
    done
    ;;
  node-stop) valid_node "${2:-}"; stop_node "$2" "${3:-TERM}" ;;
  node-start) valid_node "${2:-}"; assemble; start_node "$2" ;;
  nodetool) valid_node "${2:-}"; n=$2; shift 2; nodetool "$n" "$@" ;;
  wipe) for n in 3 2 1; do stop_node "$n"; done; rm -rf "$CLUSTER_DIR"; log "cluster data deleted" ;;
  hosts) echo "$(node_addr 1),$(node_addr 2),$(node_addr 3)" ;;
  *) echo "usage: $0 start|stop|status|node-stop N [KILL]|node-start N|nodetool N ARGS|hosts|wipe" >&2; exit 2 ;;
esac
