#!/usr/bin/env bash
# Builds the phase4 AS4 peer harness (tests/peers/phase4) with Maven, from Maven Central only.
# Output: $PHASE4_DIR (default .services/peers/phase4/, ignored by git) with phase4-harness.jar and lib/*.jar
# (the jar's manifest names lib/*.jar: run it as `java -jar phase4-harness.jar receive|send ...`).
# Incremental: does nothing when the jar is newer than the pom and every source file.
# Java 17 and Maven are installed with apt-get when missing (needs root), like ops/services.sh does.
#
#   ops/peers/build-phase4.sh          build if needed, print the jar's path on standard output
#   ops/peers/build-phase4.sh --force  rebuild
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROJECT="$ROOT/tests/peers/phase4"
PHASE4_DIR="${PHASE4_DIR:-$ROOT/.services/peers/phase4}"
JAR="$PHASE4_DIR/phase4-harness.jar"

log() { printf '[build-phase4] %s\n' "$*" >&2; }
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
  [[ $(id -u) -eq 0 ]] || die "building the phase4 harness needs ${wanted[*]} (apt-get, as root)"
  log "apt-get install ${wanted[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
}

up_to_date() {
  [[ -f "$JAR" && -d "$PHASE4_DIR/lib" ]] || return 1
  [[ -z "$(find "$PROJECT/pom.xml" "$PROJECT/src" -newer "$JAR" -print -quit)" ]]
}

main() {
  mkdir -p "$PHASE4_DIR"
  # Two test processes may ask for the build at once: the second waits and then finds it done.
  exec 9>"$PHASE4_DIR/.build.lock"
  flock 9
  if [[ "${1:-}" != "--force" ]] && up_to_date; then
    log "up to date: $JAR"
  else
    install_missing
    local started=$SECONDS
    # Dependencies removed from the pom must not linger on the classpath.
    rm -rf "$PHASE4_DIR/lib" "$JAR"
    mvn -B -q -Dstyle.color=never -f "$PROJECT/pom.xml" -Dphase4.out="$PHASE4_DIR" package >&2 \
      || die "mvn package failed (see the output above)"
    [[ -f "$JAR" ]] || die "mvn package did not produce $JAR"
    log "built $JAR in $((SECONDS - started))s"
  fi
  printf '%s\n' "$JAR"
}

main "$@"
