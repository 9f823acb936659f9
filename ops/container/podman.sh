#!/usr/bin/env bash
# The container images and the compose stack on a machine with podman (no Docker engine, no Docker Hub): a Debian 12
# base made with mmdebstrap, the product image (Dockerfile) and local images of the services the official images
# would provide (ops/container/images/), run from docker-compose.yml plus ops/container/compose.podman.yml.
#
#   ops/container/podman.sh install     podman, runc, mmdebstrap (apt, root) and podman-compose (PyPI, pinned)
#   ops/container/podman.sh base        the local Debian 12 base image (localhost/debian:bookworm)
#   ops/container/podman.sh image       the product image (localhost/pagero:latest)
#   ops/container/podman.sh images      the product image and the service images
#   ops/container/podman.sh up          start the stack, wait until migrations ran and web is ready
#   ops/container/podman.sh down        stop and remove the containers (named volumes stay)
#   ops/container/podman.sh compose ... any podman-compose command on the stack (ps, logs web, ...)
#
# Settings: WEB_PORT (18000), PROMETHEUS_PORT (19090), MAILPIT_PORT (18025), PUBLISH_ADDRESS (127.0.0.1),
# COMPOSE_PROJECT_NAME (pagero), CASSANDRA_HEAP (512M), BUILD_CA_BUNDLE (the host's CA bundle, mounted into builds
# for pip behind a TLS proxy), BUILD_NO_CACHE=1 (build without the layer cache), SECRET_KEY and METRICS_TOKEN (random
# ones kept in var/container/ unless given).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/ops/container"
STATE="$ROOT/var/container"
export CONTAINERS_CONF="$HERE/containers.conf"
BASE_IMAGE="localhost/debian:bookworm"
PRODUCT_IMAGE="${PRODUCT_IMAGE:-localhost/pagero:latest}"
PODMAN_COMPOSE_VERSION="1.6.0"
COMPOSE_VENV="$STATE/podman-compose"
CASSANDRA_VERSION="5.0.8"
BUILD_CA_BUNDLE="${BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
# Ports on the host, away from the services `make test` runs (5432/5672/9042) and `make run` (8000).
export WEB_PORT="${WEB_PORT:-18000}" PROMETHEUS_PORT="${PROMETHEUS_PORT:-19090}" MAILPIT_PORT="${MAILPIT_PORT:-18025}"
# Published on loopback only (PUBLISH_ADDRESS=0.0.0.0 to reach them from other machines).
export PUBLISH_ADDRESS="${PUBLISH_ADDRESS:-127.0.0.1}"
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-pagero}"
export CASSANDRA_HEAP="${CASSANDRA_HEAP:-512M}"
export PRODUCT_IMAGE

log() { printf '[container] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

install() {
  local wanted=()
  command -v podman >/dev/null || wanted+=(podman)
  [[ -x /usr/sbin/runc ]] || wanted+=(runc)
  command -v mmdebstrap >/dev/null || wanted+=(mmdebstrap)
  # Maven assembles Cassandra's jars from Maven Central when ops/services.sh has not already (`make test`).
  [[ -f "$(services_lib)/cassandra-all-$CASSANDRA_VERSION.jar" ]] || command -v mvn >/dev/null || wanted+=(maven)
  if (( ${#wanted[@]} )); then
    [[ $(id -u) -eq 0 ]] || die "installing ${wanted[*]} needs root (apt-get)"
    log "apt-get install ${wanted[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
  fi
  if ! "$COMPOSE_VENV/bin/podman-compose" version 2>/dev/null | grep -q "$PODMAN_COMPOSE_VERSION"; then
    log "podman-compose $PODMAN_COMPOSE_VERSION into $COMPOSE_VENV"
    python3 -m venv "$COMPOSE_VENV"
    "$COMPOSE_VENV/bin/pip" install -q "podman-compose==$PODMAN_COMPOSE_VERSION"
  fi
}

base() {
  if podman image exists "$BASE_IMAGE"; then return; fi
  mkdir -p "$STATE"
  log "building $BASE_IMAGE with mmdebstrap"
  # Like the official slim images: no manuals, documentation (but its copyright files) or translations.
  mmdebstrap --quiet --variant=minbase --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    bookworm "$STATE/rootfs.tar"
  podman import "$STATE/rootfs.tar" "$BASE_IMAGE" >/dev/null
  rm -f "$STATE/rootfs.tar"
}

# Builds share the host's network (the build containers need apt and PyPI) and, when it exists, its CA bundle.
build() {  # tag context [podman build args...]
  local tag=$1 context=$2; shift 2
  local extra=()
  [[ -z "${BUILD_NO_CACHE:-}" ]] || extra+=(--no-cache)
  if [[ -f "$BUILD_CA_BUNDLE" ]]; then
    extra+=(-v "$BUILD_CA_BUNDLE:/run/host-ca.crt:ro" --build-arg PIP_CERT=/run/host-ca.crt)
  fi
  log "building $tag"
  podman build -q --format docker --network host --build-arg BASE_IMAGE="$BASE_IMAGE" "${extra[@]}" -t "$tag" "$@" "$context" >/dev/null
}

image() {
  base
  # The version extracted contexts announce (the image has no .git to read it from).
  build "$PRODUCT_IMAGE" "$ROOT" -f "$ROOT/Dockerfile" \
    --build-arg PAGERO_VERSION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
}

services_lib() { printf '%s' "${SERVICES_DIR:-$ROOT/.services}/cassandra/lib"; }

# Cassandra's jars, as ops/services.sh assembles them: reused from its folder when it has them, else from Maven.
cassandra_context() {
  local ctx="$STATE/cassandra-context" lib; lib="$(services_lib)"
  mkdir -p "$ctx/conf"
  if [[ ! -f "$ctx/lib/cassandra-all-$CASSANDRA_VERSION.jar" ]]; then
    rm -rf "$ctx/lib"
    if [[ -f "$lib/cassandra-all-$CASSANDRA_VERSION.jar" ]]; then
      cp -r "$lib" "$ctx/lib"
    else
      log "cassandra: copying cassandra-all $CASSANDRA_VERSION and its runtime dependencies from Maven Central"
      mvn -q -B -Dstyle.color=never -f "$ROOT/ops/cassandra/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$ctx/lib" >&2
    fi
  fi
  cp "$ROOT/ops/cassandra/cassandra.yaml" "$ROOT/ops/cassandra/jvm17-server.options" "$ROOT/ops/cassandra/logback.xml" "$ctx/conf/"
  cp "$HERE/images/cassandra/Containerfile" "$HERE/images/cassandra/entrypoint.sh" "$ctx/"
  printf '%s' "$ctx"
}

# The service images build side by side (mostly apt downloads), each with its log in var/container/.
images() {
  image
  local cassandra_ctx; cassandra_ctx="$(cassandra_context)"
  local svc pids=() failed=()
  for svc in postgres rabbitmq prometheus cassandra; do
    local tag="localhost/pagero-$svc:latest" context="$HERE/images/$svc"
    [[ $svc != cassandra ]] || { tag="localhost/pagero-cassandra:$CASSANDRA_VERSION"; context="$cassandra_ctx"; }
    build "$tag" "$context" > "$STATE/build-$svc.log" 2>&1 &
    pids+=("$svc:$!")
  done
  for entry in "${pids[@]}"; do
    wait "${entry#*:}" || { failed+=("${entry%%:*}"); tail -n 20 "$STATE/build-${entry%%:*}.log" >&2; }
  done
  (( ${#failed[@]} == 0 )) || die "image build failed: ${failed[*]} (logs in $STATE/)"
}

compose() {
  [[ -x "$COMPOSE_VENV/bin/podman-compose" ]] || die "podman-compose is missing: run ops/container/podman.sh install"
  # A throwaway key unless one is given: the stack runs with the production settings, which refuse to start without.
  if [[ -z "${SECRET_KEY:-}" ]]; then
    mkdir -p "$STATE"
    [[ -s "$STATE/secret-key" ]] || python3 -c 'import secrets; print(secrets.token_urlsafe(64))' > "$STATE/secret-key"
    SECRET_KEY="$(cat "$STATE/secret-key")"
  fi
  if [[ -z "${METRICS_TOKEN:-}" ]]; then
    [[ -s "$STATE/metrics-token" ]] || python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > "$STATE/metrics-token"
    METRICS_TOKEN="$(cat "$STATE/metrics-token")"
  fi
  export SECRET_KEY METRICS_TOKEN
  # Without systemd podman cannot schedule healthchecks and says so for every container: those lines are dropped.
  # Its messages go through a file, not a pipe: the containers' monitors (conmon) inherit the descriptor and would
  # keep a pipe open long after this command ended.
  local messages rc=0
  messages="$(mktemp "$STATE/compose-stderr.XXXXXX")"
  "$COMPOSE_VENV/bin/podman-compose" --project-name "$COMPOSE_PROJECT_NAME" \
    -f "$ROOT/docker-compose.yml" -f "$HERE/compose.podman.yml" "$@" 2> "$messages" || rc=$?
  grep -a -v -e 'systemd connection' -e 'failed to connect to syslog' -e 'no container with name or ID' "$messages" >&2 \
    || true
  rm -f "$messages"
  return "$rc"
}

container_of() { printf '%s_%s_1' "$COMPOSE_PROJECT_NAME" "$1"; }

# Podman runs healthchecks from systemd timers, which this machine does not have: run the compose file's check here.
wait_healthy() {  # service seconds
  local name; name="$(container_of "$1")"
  local deadline=$((SECONDS + $2))
  until podman healthcheck run "$name" >/dev/null 2>&1; do
    if [[ "$(podman inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]] && (( SECONDS > 5 )); then
      podman logs --tail 40 "$name" >&2 || true
    fi
    (( SECONDS < deadline )) || { podman logs --tail 40 "$name" >&2 || true; die "$1 not healthy within $2 s"; }
    sleep 2
  done
  log "$1: healthy"
}

up() {
  local started=$SECONDS
  # The same order the compose file's depends_on conditions describe, enforced here: podman-compose does not
  # wait for healthchecks that podman cannot run without systemd.
  compose up -d --no-build postgres rabbitmq cassandra mailpit >/dev/null
  wait_healthy postgres 120
  wait_healthy rabbitmq 180
  wait_healthy cassandra 300
  compose up -d --no-build --no-deps migrate >/dev/null
  local rc; rc="$(podman wait "$(container_of migrate)")"
  if [[ "$rc" != 0 ]]; then podman logs "$(container_of migrate)" >&2; die "migrate exited with $rc"; fi
  log "migrate: done"
  compose up -d --no-build --no-deps web worker shadow-worker beat formats-service routing-service \
    postgres-exporter prometheus >/dev/null
  wait_healthy web 120
  log "stack up in $((SECONDS - started)) s: http://127.0.0.1:$WEB_PORT/ (Prometheus http://127.0.0.1:$PROMETHEUS_PORT/)"
}

down() { compose down "$@"; }

case "${1:-}" in
  install) install ;;
  base) base ;;
  image) image ;;
  images) images ;;
  up) up ;;
  down) shift; down "$@" ;;
  compose) shift; compose "$@" ;;
  *) sed -n '2,/^set -e/p' "$0" | grep '^#' >&2; exit 2 ;;
esac
