#!/usr/bin/env bash
# Builds the phive reference-validator harness (tests/peers/phive) with Maven, from Maven Central only.
# Output: $PHIVE_DIR (default .services/peers/phive/, ignored by git) with phive-harness.jar and lib/*.jar.
# Incremental: does nothing when the jar is newer than the pom and every source file.
# Java 17 and Maven are installed with apt-get when missing (needs root), like ops/services.sh does.
#
#   ops/peers/build-phive.sh          build if needed, print the classpath on standard output
#   ops/peers/build-phive.sh --force  rebuild
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROJECT="$ROOT/tests/peers/phive"
PHIVE_DIR="${PHIVE_DIR:-$ROOT/.services/peers/phive}"
JAR="$PHIVE_DIR/phive-harness.jar"

log() { printf '[build-phive] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

java_is_17() {
  command -v java >/dev/null && command -v javac >/dev/null \
    && java -version 2>&1 | head -n1 | grep -Eq '"(1[7-9]|[2-9][0-9])[."]'
}

install_missing() {
  local wanted=()
  java_is_17 || wanted+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || wanted+=(maven)
  (( ${#wanted[@]} )) || return 0
  [[ $(id -u) -eq 0 ]] || die "building the phive harness needs ${wanted[*]} (apt-get, as root)"
  log "apt-get install ${wanted[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
}

up_to_date() {
  [[ -f "$JAR" && -d "$PHIVE_DIR/lib" ]] || return 1
  [[ -z "$(find "$PROJECT/pom.xml" "$PROJECT/src" -newer "$JAR" -print -quit)" ]]
}

main() {
  mkdir -p "$PHIVE_DIR"
  # Two test processes may ask for the build at once: the second waits and then finds it done.
  exec 9>"$PHIVE_DIR/.build.lock"
  flock 9
  if [[ "${1:-}" != "--force" ]] && up_to_date; then
    log "up to date: $JAR"
  else
    install_missing
    local started=$SECONDS
    # Dependencies removed from the pom must not linger on the classpath.
    rm -rf "$PHIVE_DIR/lib" "$JAR"
    mvn -B -q -Dstyle.color=never -f "$PROJECT/pom.xml" -Dphive.out="$PHIVE_DIR" package >&2 \
      || die "mvn package failed (see the output above)"
    [[ -f "$JAR" ]] || die "mvn package did not produce $JAR"
    log "built $JAR in $((SECONDS - started))s"
  fi
  printf '%s:%s/lib/*\n' "$JAR" "$PHIVE_DIR"
}

main "$@"
